using System.Globalization;
using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// A table of text cells with a title and notes; columns whose cells are all numbers are right-aligned. Shows itself
/// in a notebook; the text form is aligned in columns. Made by <see cref="Plots.Table"/> and the lesson helpers.
/// </summary>
public sealed class TableView : View
{
    private readonly string _title;
    private readonly string[] _headers;
    private readonly string[][] _rows;

    internal TableView(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, IEnumerable<string>? notes = null) : base("table")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        if (headers.Count == 0) throw new ArgumentException("A table needs at least one column header.", nameof(headers));
        _title = title;
        _headers = headers.Select(h => h ?? "").ToArray();
        _rows = rows.Select((row, i) =>
        {
            ArgumentNullException.ThrowIfNull(row, $"{nameof(rows)}[{i}]");
            if (row.Count != _headers.Length)
                throw new ArgumentException($"Row {i} has {row.Count} cells but the table has {_headers.Length} columns ({string.Join(", ", _headers)}).", nameof(rows));
            return row.Select(cell => cell ?? "").ToArray();
        }).ToArray();
        foreach (string note in notes ?? []) AddNote(note);
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The column headers.</summary>
    public IReadOnlyList<string> Headers => _headers;

    /// <summary>The rows, one string per column.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    private bool IsNumeric(int column) =>
        _rows.Length > 0 && _rows.All(r => r[column].Length == 0 || r[column] == "—" || double.TryParse(
            r[column].Replace(",", "").Replace("%", "").Replace(" ms", "").Replace(" s", "").Replace(" MB", "").Replace(" GB", "").Replace(" M", "").Trim(),
            NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        bool[] numeric = Enumerable.Range(0, _headers.Length).Select(IsNumeric).ToArray();
        html.Append("<table class=\"lk-table\"><thead><tr>");
        foreach (string header in _headers) html.Append("<th>").Append(HtmlText.Escape(header)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (string[] row in _rows)
        {
            html.Append("<tr>");
            for (int c = 0; c < row.Length; c++)
                html.Append(numeric[c] ? "<td class=\"lk-num\">" : "<td>").Append(HtmlText.Escape(row[c])).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        int[] widths = Enumerable.Range(0, _headers.Length)
            .Select(c => _rows.Select(r => r[c].Length).Append(_headers[c].Length).Max()).ToArray();
        bool[] numeric = Enumerable.Range(0, _headers.Length).Select(IsNumeric).ToArray();
        void Line(IReadOnlyList<string> cells, bool header)
        {
            for (int c = 0; c < cells.Count; c++)
            {
                if (c > 0) text.Append("  ");
                text.Append(numeric[c] && !header ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
            }
            text.Append('\n');
        }
        Line(_headers, header: true);
        text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (string[] row in _rows) Line(row, header: false);
    }
}
