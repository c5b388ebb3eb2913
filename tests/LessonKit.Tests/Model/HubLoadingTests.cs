using LessonKit.Tests.Hub;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Model;

/// <summary>FromPretrained with a hub name, against a small hub on 127.0.0.1 serving tiny-gpt2.</summary>
public class HubLoadingTests
{
    [Fact]
    public async Task AHubNameDownloadsOnceThenLoadsFromTheCache()
    {
        await using var context = new HubTestContext();
        using (var model = HookedGpt2.FromPretrained(HubTestContext.Repo, hub: context.Options()))
        {
            Assert.Equal(HubTestContext.Repo, model.Config.ModelName);
            using var tokens = TinyGpt2.ReferenceTokens();
            using var logits = model.Forward(tokens);
            TensorAssert.CloseToValues(logits[0, 7], TinyGpt2.Expected.LogitsAtPosition[7], 1e-4, "logits after a download");
        }
        Assert.Equal(1, context.Count("GET", "model.safetensors"));
        Assert.Equal(0, context.Count("GET", "pytorch_model.bin"));

        int before = context.Hub.Requests.Count;
        using (HookedGpt2.FromPretrained(HubTestContext.Repo, hub: context.Options())) { }
        Assert.Equal(before, context.Hub.Requests.Count); // the second load makes no request
    }

    [Fact]
    public async Task AnUnknownModelSaysWhichNamesExist()
    {
        await using var context = new HubTestContext();
        var error = Assert.ThrowsAny<Exception>(() => HookedGpt2.FromPretrained("test-org/no-such-model", hub: context.Options()));
        Assert.Contains("gpt2-medium", error.Message);
    }

    [Fact]
    public void AHostileNameIsRefusedBeforeAnyRequest()
    {
        // Nothing listens on port 9: a request would be a HubException. A path that climbs out is a missing folder,
        // and a name with characters no model name has is refused as a name.
        var hub = new LessonKit.Hub.HubOptions { Endpoint = "http://127.0.0.1:9" };
        Assert.Throws<DirectoryNotFoundException>(() => HookedGpt2.FromPretrained("../../etc", hub: hub));
        Assert.Throws<ArgumentException>(() => HookedGpt2.FromPretrained("owner/na..me", hub: hub));
        Assert.Throws<ArgumentException>(() => HookedGpt2.FromPretrained("gpt2?x=1", hub: hub));
    }
}
