using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using LessonKit.Display;
using LessonKit.Display.Formatting;
using LessonKit.Display.Views;

namespace LessonKit.Tests.Display;

/// <summary>
/// Views display themselves through .NET Interactive's formatter convention. These tests find and call the
/// formatter exactly as the kernel does: by the attribute's type NAME, reading its properties and calling the
/// source and formatters through reflection (the kernel compiles the same expression).
/// </summary>
public class FormatterTests
{
    private sealed record Convention(string[] PreferredMimeTypes, Dictionary<string, Func<object, TextWriter, bool>> Formatters, Dictionary<string, Type> Types);

    /// <summary>What the kernel does for a type that has no attribute from its own assembly.</summary>
    private static Convention FindByConvention(Type type)
    {
        var attribute = type.GetCustomAttributes(inherit: true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attribute.GetType().GetProperty("FormatterSourceType")!.GetValue(attribute)!;
        var mimeTypes = (string[])attribute.GetType().GetProperty("PreferredMimeTypes")!.GetValue(attribute)!;
        object source = Activator.CreateInstance(sourceType)!;
        var formatters = (IEnumerable)source.GetType().GetMethod("CreateTypeFormatters")!.Invoke(source, null)!;
        var byMime = new Dictionary<string, Func<object, TextWriter, bool>>();
        var types = new Dictionary<string, Type>();
        foreach (object formatter in formatters)
        {
            string mime = (string)formatter.GetType().GetProperty("MimeType")!.GetValue(formatter)!;
            MethodInfo format = formatter.GetType().GetMethod("Format")!;   // must not be ambiguous
            var value = Expression.Parameter(typeof(object));
            var writer = Expression.Parameter(typeof(TextWriter));
            byMime[mime] = Expression.Lambda<Func<object, TextWriter, bool>>(
                Expression.Call(Expression.Constant(formatter), format, value, writer), value, writer).Compile();
            types[mime] = (Type)formatter.GetType().GetProperty("Type")!.GetValue(formatter)!;
        }
        return new Convention(mimeTypes, byMime, types);
    }

    [Theory]
    [InlineData(typeof(HeadView))]
    [InlineData(typeof(ModelView))]
    [InlineData(typeof(AttentionPatternsView))]
    [InlineData(typeof(AttentionPatternView))]
    [InlineData(typeof(HeadFinderView))]
    [InlineData(typeof(ColoredTokensView))]
    [InlineData(typeof(NextTokensView))]
    [InlineData(typeof(GenerationTableView))]
    [InlineData(typeof(PositionalHeatmapView))]
    [InlineData(typeof(PositionSimilarityView))]
    [InlineData(typeof(PipelineView))]
    [InlineData(typeof(LineChartView))]
    [InlineData(typeof(BarChartView))]
    [InlineData(typeof(HeatmapView))]
    public void EveryViewTypeOffersHtmlAndPlainTextByConvention(Type viewType)
    {
        var convention = FindByConvention(viewType);
        Assert.Equal(["text/html", "text/plain"], convention.PreferredMimeTypes);
        Assert.Equal(["text/html", "text/plain"], convention.Formatters.Keys.Order().ToArray());
        Assert.All(convention.Types.Values, t => Assert.True(t.IsAssignableFrom(viewType)));
    }

    [Fact]
    public void TheFormattersWriteTheViewsHtmlAndText()
    {
        var view = Plots.NextTokens([new TokenCandidate(1, " sat", 0.5f), new TokenCandidate(2, " <b>", 0.25f)], "Next");
        var convention = FindByConvention(view.GetType());

        var html = new StringWriter();
        Assert.True(convention.Formatters["text/html"](view, html));
        Assert.Equal(view.ToHtml(), html.ToString());
        Assert.StartsWith($"<div class=\"lk-view lk-nexttokens\" id=\"{view.Id}\"", html.ToString());

        var text = new StringWriter();
        Assert.True(convention.Formatters["text/plain"](view, text));
        Assert.Equal(view.ToString(), text.ToString());
        Assert.Contains("' sat'", text.ToString());
        Assert.Contains("50.0%", text.ToString());

        var nothing = new StringWriter();
        Assert.False(convention.Formatters["text/html"]("not a view", nothing));
        Assert.Equal("", nothing.ToString());
    }

    [Fact]
    public void TheAttributeIsDeclaredInLessonKitItself()
    {
        var attribute = typeof(View).GetCustomAttributes(inherit: true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        Assert.Equal(typeof(View).Assembly, attribute.GetType().Assembly);
        Assert.True(attribute.GetType().GetCustomAttribute<AttributeUsageAttribute>()!.Inherited);
        Assert.Throws<ArgumentException>(() => new ViewFormatter("image/png"));
    }
}
