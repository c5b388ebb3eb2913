using LessonKit.Runner.Display;

namespace LessonKit.Runner.Tests.Display;

public class ValueFormatterTests
{
    [Fact]
    public void Formats_a_type_with_a_convention_formatter_source_as_html_and_plain_text()
    {
        var bundle = ValueFormatter.Format(new Swatch("red"));

        Assert.Equal(["text/html", "text/plain"], bundle.Items.Select(i => i.Key));
        Assert.Equal("<div style=\"background:red\">red</div>", bundle["text/html"]);
        Assert.Equal("swatch red", bundle["text/plain"]);
    }

    [Fact]
    public void Finds_the_attribute_on_a_base_class()
    {
        var bundle = ValueFormatter.Format(new BigSwatch("blue"));

        Assert.Equal("<div style=\"background:blue\">blue</div>", bundle["text/html"]);
    }

    [Fact]
    public void Uses_text_html_when_the_source_names_no_preferred_types_and_ToString_for_plain_text()
    {
        var bundle = ValueFormatter.Format(new Badge());

        Assert.Equal("<b>badge</b>", bundle["text/html"]);
        Assert.Equal(new Badge().ToString(), bundle["text/plain"]);
    }

    [Fact]
    public void Falls_back_to_plain_text_when_the_formatter_declines()
    {
        var bundle = ValueFormatter.Format(new Badge { Decline = true });

        Assert.False(bundle.Contains("text/html"));
        Assert.True(bundle.Contains("text/plain"));
    }

    [Fact]
    public void Honours_the_mime_types_display_asks_for()
    {
        var bundle = ValueFormatter.Format(new Swatch("red"), ["text/plain"]);

        Assert.Equal(["text/plain"], bundle.Items.Select(i => i.Key));
        Assert.Equal("<i>x</i>", ValueFormatter.Format("<i>x</i>", ["text/html"])["text/html"]);
    }

    [Fact]
    public void Shows_strings_null_sequences_and_other_objects_as_plain_text()
    {
        Assert.Equal("hello", Assert.Single(ValueFormatter.Format("hello").Items) is var (mime, text) && mime == "text/plain" ? text : null);
        Assert.Equal("<null>", ValueFormatter.Format(null)["text/plain"]);
        Assert.Equal("[ 1, 2, 3 ]", ValueFormatter.Format(new List<int> { 1, 2, 3 })["text/plain"]);
        Assert.EndsWith(", 19 ... (more) ]", ValueFormatter.Format(Enumerable.Range(0, 100))["text/plain"]);
        Assert.Equal("1.5", ValueFormatter.Format(1.5)["text/plain"]);
        Assert.Equal("(1, a)", ValueFormatter.Format((1, "a"))["text/plain"]);
    }

    [Fact]
    public void Explains_a_formatter_source_it_cannot_create()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ValueFormatter.Format(new Broken()));

        Assert.Contains(nameof(BrokenFormatterSource), error.Message);
        Assert.Contains("parameterless constructor", error.Message);
    }
}
