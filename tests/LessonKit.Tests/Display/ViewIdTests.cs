using System.Text.RegularExpressions;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Tests.Display;

/// <summary>Several views on one page must not interfere: unique ids, scoped styles, one global.</summary>
public class ViewIdTests
{
    [Fact]
    public void IdsAreRandomAndWellFormed()
    {
        var ids = Enumerable.Range(0, 5000).Select(_ => ElementIds.New()).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^lk-[a-z0-9]{12}$", id));
    }

    [Fact]
    public void EveryElementIdInAViewStartsWithItsOwnIdAndNoTwoViewsShareOne()
    {
        using var views = AllViews.Create(TestCaches.Tokens(10));
        var seen = new HashSet<string>();
        foreach (string name in AllViews.Names)
        {
            View view = views[name];
            View again = views[name];
            Assert.NotEqual(view.Id, again.Id);
            var ids = ViewHtml.Ids(view.ToHtml()).ToArray();
            Assert.Contains(view.Id, ids);
            Assert.All(ids, id => Assert.StartsWith(view.Id, id));
            Assert.All(ids, id => Assert.True(seen.Add(id), $"{name}: id {id} is used twice"));
        }
    }

    [Fact]
    public void EveryCssRuleIsScopedUnderTheViewClass()
    {
        foreach (string line in ViewAssets.Css.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string selectors = line[..line.IndexOf('{')];
            Assert.All(selectors.Split(','), s => Assert.StartsWith(".lk-view", s.Trim()));
        }
    }

    [Theory]
    [InlineData("core.js")]
    [InlineData("headview.js")]
    [InlineData("modelview.js")]
    [InlineData("patterns.js")]
    [InlineData("headfinder.js")]
    [InlineData("pipeline.js")]
    [InlineData("heatmapview.js")]
    public void ScriptsAreStrictClosuresThatOnlyTouchTheirNamespace(string file)
    {
        string js = ViewAssets.Load(file);
        Assert.StartsWith("(function () {\n\"use strict\";", js);
        Assert.EndsWith("})();\n", js);
        // The only global written is window.LessonKitViews (browser tests check the page's globals too).
        Assert.Equal(file == "core.js" ? 1 : 0, Regex.Matches(js, @"window\.LessonKitViews\s*=").Count);
        Assert.DoesNotContain("innerHTML", js);
        Assert.DoesNotContain("outerHTML", js);
        Assert.DoesNotContain("insertAdjacentHTML", js);
        Assert.DoesNotContain("document.write", js);
        Assert.DoesNotContain("eval(", js);
    }
}
