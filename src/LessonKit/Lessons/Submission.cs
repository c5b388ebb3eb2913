using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using LessonKit.Display;
using LessonKit.Display.Views;

namespace LessonKit.Lessons;

/// <summary>
/// Saves a learner's work to hand in: their observations (their own text per lab question) and their views, as
/// standalone HTML pages, one file each, plus an <c>index.html</c> that links them, under
/// <c>submission/&lt;lesson&gt;/</c> next to the notebook (a notebook runs in its own folder). Every page opens
/// offline in any browser.
/// <code>Submission.Save("2.1", observations, ("head-view", headView), ("sinusoidal-heatmap", heatmap))</code>
/// </summary>
public static partial class Submission
{
    /// <summary>The name of the page that holds the observations (<c>observations.html</c>).</summary>
    public const string ObservationsPage = "observations";

    /// <summary>The folder submissions go to: <c>submission</c> under the current directory (the notebook's folder).</summary>
    public static string DefaultFolder => Path.Combine(Directory.GetCurrentDirectory(), "submission");

    /// <summary>Saves the views under <see cref="DefaultFolder"/>/<paramref name="lesson"/>, replacing earlier files of the same names.</summary>
    public static TableView Save(string lesson, params (string Name, View View)[] views) => SaveTo(DefaultFolder, lesson, null, views);

    /// <summary>
    /// Saves your observations (as <c>observations.html</c>, first in the index) and the views under
    /// <see cref="DefaultFolder"/>/<paramref name="lesson"/>. The table it returns names the questions still without a text.
    /// </summary>
    public static TableView Save(string lesson, Observations observations, params (string Name, View View)[] views)
    {
        ArgumentNullException.ThrowIfNull(observations);
        return SaveTo(DefaultFolder, lesson, observations, views);
    }

    /// <summary>Saves the views under <paramref name="folder"/>/<paramref name="lesson"/>; returns a table of the files written.</summary>
    public static TableView SaveTo(string folder, string lesson, params (string Name, View View)[] views) => SaveTo(folder, lesson, null, views);

    /// <summary>
    /// Saves the observations (when given) and the views under <paramref name="folder"/>/<paramref name="lesson"/>;
    /// returns a table of the files written.
    /// </summary>
    public static TableView SaveTo(string folder, string lesson, Observations? observations, params (string Name, View View)[] views)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        CheckName(lesson, nameof(lesson));
        ArgumentNullException.ThrowIfNull(views);
        if (views.Length == 0 && observations is null) throw new ArgumentException("Give at least one (name, view) pair to save.", nameof(views));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, view) in views)
        {
            CheckName(name, nameof(views));
            if (view is null) throw new ArgumentException($"The view named '{name}' is null: run the cell that makes it first.", nameof(views));
            if (!names.Add(name)) throw new ArgumentException($"Two views are named '{name}'; give each its own name.", nameof(views));
            if (name.Equals("index", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("'index' is reserved for the page that links the others; choose another name.", nameof(views));
            if (observations is not null && name.Equals(ObservationsPage, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"'{ObservationsPage}' is reserved for the page of your observations; choose another name.", nameof(views));
        }

        var pages = new List<(string Name, View View)>();
        if (observations is not null) pages.Add((ObservationsPage, new ObservationsView(lesson, observations)));
        pages.AddRange(views);

        string target = Path.Combine(Path.GetFullPath(folder), lesson);
        Directory.CreateDirectory(target);
        var rows = new List<IReadOnlyList<string>>();
        var index = new StringBuilder();
        index.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Lesson ").Append(WebUtility.HtmlEncode(lesson))
            .Append(" submission</title>\n<style>body{font-family:system-ui,sans-serif;margin:24px}li{margin:4px 0}</style>\n</head>\n<body>\n<h1>Lesson ")
            .Append(WebUtility.HtmlEncode(lesson)).Append(" submission</h1>\n<p>Saved ")
            .Append(DateTime.Now.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)).Append(". Each page opens offline.</p>\n<ul>\n");
        foreach (var (name, view) in pages)
        {
            string path = view.SaveHtml(Path.Combine(target, name + ".html"));
            rows.Add([name, view.Title, path]);
            index.Append("<li><a href=\"").Append(Uri.EscapeDataString(name)).Append(".html\">").Append(WebUtility.HtmlEncode(name)).Append("</a>: ")
                .Append(WebUtility.HtmlEncode(view.Title)).Append("</li>\n");
        }
        index.Append("</ul>\n</body>\n</html>\n");
        string indexPath = Path.Combine(target, "index.html");
        File.WriteAllText(indexPath, index.ToString(), new UTF8Encoding(false));
        rows.Add(["index", "links to every page above", indexPath]);

        var notes = new List<string>();
        if (observations is not null)
        {
            var missing = observations.Missing;
            notes.Add(missing.Count == 0
                ? $"All {observations.Questions.Count} observations are written."
                : $"{missing.Count} of {observations.Questions.Count} observations are still empty: {string.Join("; ", missing)}. " +
                  "Write them in the lesson's observation cells (observations[\"...\"] = \"what you saw\";), run those cells, then run this cell again.");
        }
        notes.Add($"Hand in the folder {target} (zip it), or open index.html to look at the pages.");
        string saved = views.Length == 1 ? "1 view" : $"{views.Length} views";
        return new TableView(observations is null ? $"Saved {saved} for lesson {lesson}" : $"Saved your observations and {saved} for lesson {lesson}",
            ["Name", "View", "File"], rows, notes);
    }

    private static void CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        if (!SafeName().IsMatch(name))
            throw new ArgumentException($"'{name}' cannot be a file name here: use letters, digits, '.', '-' and '_' only, starting with a letter or digit (e.g. \"head-view\").", parameter);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex SafeName();
}
