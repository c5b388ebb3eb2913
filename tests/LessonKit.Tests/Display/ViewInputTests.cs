using LessonKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>Arguments a learner gets wrong: a disposed tensor, a folder where a file was meant.</summary>
public class ViewInputTests
{
    [Fact]
    public void DisposedTensorsAreNamed()
    {
        // QA: these failed with TorchSharp's "Tensor invalid -- empty handle."
        using var cache = TestCaches.Random(layers: 2, heads: 2, length: 3, seed: 62);
        var logits = torch.zeros(1, 3, 64);
        logits.Dispose();
        var encoding = PositionalEncoding.Sinusoidal(8, 4);
        encoding.Dispose();
        foreach (var (call, name) in new (Action, string)[]
                 {
                     (() => Plots.Pipeline(cache, ["a", "b", "c"], [1, 2, 3], logits, id => ""), "logits"),
                     (() => Plots.PositionalHeatmap(encoding, "pe"), "encoding"),
                     (() => Plots.PositionSimilarity(encoding), "encoding"),
                     (() => PositionalEncoding.CosineSimilarity(encoding), "encoding"),
                     (() => PositionalEncoding.CosineSimilarity(encoding, 0, 1), "encoding"),
                 })
        {
            var e = Assert.Throws<ObjectDisposedException>(call);
            Assert.Contains($"The tensor passed as '{name}' has been disposed", e.Message);
            Assert.Contains("make it again", e.Message);
            Assert.DoesNotContain("empty handle", e.Message);
        }
    }

    [Fact]
    public void SaveHtmlToAFolderSaysToNameAFile()
    {
        // QA: a folder gave "UnauthorizedAccessException: Access to the path ... is denied".
        var view = Plots.NextTokens([new TokenCandidate(1, " a", 1f)]);
        string folder = Path.Combine(Path.GetTempPath(), "lessonkit-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var e = Assert.Throws<ArgumentException>(() => view.SaveHtml(folder));
            Assert.Contains($"'{folder}' is a folder", e.Message);
            Assert.Contains(Path.Combine(folder, "nexttokens.html"), e.Message);
            Assert.Contains("is a folder", Assert.Throws<ArgumentException>(() => view.SaveHtml(Path.Combine(folder, "new") + Path.DirectorySeparatorChar)).Message);
            Assert.False(Directory.Exists(Path.Combine(folder, "new")));
            Assert.Equal(Path.Combine(folder, "next.html"), view.SaveHtml(Path.Combine(folder, "next.html")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
