using System.Text.Json;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Tests.Display;

/// <summary>Token text is data: it must never become markup or code, in HTML, in attributes or in script data.</summary>
public class HtmlSafetyTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("\"onmouseover=\"x", "&quot;onmouseover=&quot;x")]
    [InlineData("&amp;", "&amp;amp;")]
    [InlineData("it's", "it&#39;s")]
    [InlineData(" plain text ", " plain text ")]
    [InlineData(null, "")]
    public void EscapeMakesMarkupInert(string? text, string expected) => Assert.Equal(expected, HtmlText.Escape(text));

    [Fact]
    public void ScriptJsonNeverClosesTheScriptElementAndRoundTrips()
    {
        string[] values = [.. TestCaches.Nasty, "</SCRIPT >", "<!-- <script>", "a\u2028b\u2029c", "emoji 😀 and 中文"];
        string json = HtmlText.JsonForScript(new { tokens = values });
        Assert.DoesNotContain("<", json);
        Assert.DoesNotContain(">", json);
        Assert.DoesNotContain("\u2028", json);
        Assert.DoesNotContain("\u2029", json);
        var back = JsonDocument.Parse(json).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(values, back);
    }

    [Fact]
    public void OtherSerializersJsonIsMadeScriptSafe()
    {
        string raw = "{\"text\":\"</script><!--\u2028&\"}";
        string safe = HtmlText.MakeScriptSafe(raw);
        Assert.Equal("{\"text\":\"\\u003C/script\\u003E\\u003C!--\\u2028\\u0026\"}", safe);
        Assert.Equal("</script><!--\u2028&", JsonDocument.Parse(safe).RootElement.GetProperty("text").GetString());
    }

    public static TheoryData<string> ViewNames => new(AllViews.Names);

    [Theory]
    [MemberData(nameof(ViewNames))]
    public void NastyTokensDoNotAddElementsToAnyView(string name)
    {
        using var views = AllViews.Create(TestCaches.Nasty);
        View view = views[name];
        string html = view.ToHtml();
        // The view's own script elements: a data block and a code block for scripted views, none for static ones.
        int scripts = ViewHtml.Count(html, "<script");
        Assert.Equal(ViewHtml.Count(html, "</script"), scripts);
        Assert.Equal(html.Contains("-data\">", StringComparison.Ordinal) ? 2 : 0, scripts);
        Assert.Equal(0, ViewHtml.Count(html, "<img"));
        Assert.Equal(0, ViewHtml.Count(html, "<!--"));
        Assert.DoesNotContain("\"onmouseover=", html);
        Assert.DoesNotContain("onerror=\"window", html);
        Assert.DoesNotContain("\u2028", html);
    }

    [Theory]
    [MemberData(nameof(ViewNames))]
    public void ViewsLoadNothingFromTheNetwork(string name)
    {
        using var views = AllViews.Create(TestCaches.Tokens(12, nasty: false));
        View view = views[name];
        string html = view.ToHtml();
        Assert.DoesNotContain("http:", html);
        Assert.DoesNotContain("https:", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("url(", html);
    }

    [Fact]
    public void VisibleLabelsShowInvisibleCharacters()
    {
        Assert.Equal("↵", TokenLabels.Visible("\n"));
        Assert.Equal("a⇥b␍", TokenLabels.Visible("a\tb\r"));
        Assert.Equal("␀␛", TokenLabels.Visible("\0\u001b"));
        Assert.Equal("∅", TokenLabels.Visible(""));
        Assert.Equal("a[U+2028]b[U+200B]", TokenLabels.Visible("a\u2028b\u200b"));
        Assert.Equal("' cat'", TokenLabels.Quoted(" cat"));
        string longToken = new string('x', 22) + "😀😀";
        string cut = TokenLabels.Short(longToken);
        Assert.EndsWith("…", cut);
        Assert.False(char.IsHighSurrogate(cut[^2]), "an emoji was cut in half");
    }
}
