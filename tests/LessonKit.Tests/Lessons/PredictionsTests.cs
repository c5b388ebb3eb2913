using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class PredictionsTests
{
    [Fact]
    public void Top_gives_the_most_likely_tokens_with_softmax_probabilities()
    {
        using var model = TinyGpt2.Load();
        using var logits = model.Forward(model.ToTokens("The cat sat on the"));
        var top = Predictions.Top(model, logits, 3);
        Assert.Equal(3, top.Length);
        var last = logits[0, -1].to_type(ScalarType.Float64).softmax(-1);
        long best = last.argmax().ToInt64();
        Assert.Equal(best, top[0].Id);
        Assert.Equal(last[best].ToDouble(), top[0].Probability, 1e-6); // float32 softmax against float64
        Assert.Equal(model.Tokenizer.TokenText((int)best), top[0].Text);
        Assert.True(top[0].Probability >= top[1].Probability && top[1].Probability >= top[2].Probability);
        Assert.Equal(top[0].Id, Predictions.Top(model, logits[0], 1)[0].Id);
        Assert.Equal(top[0].Id, Predictions.Top(model, logits[0, -1], 1)[0].Id);
    }

    [Fact]
    public void Bad_logits_and_positions_are_explained()
    {
        using var model = TinyGpt2.Load();
        var e = Assert.Throws<ArgumentException>(() => Predictions.Top(model, torch.zeros(2, 3, 4, 5)));
        Assert.Contains("[2, 3, 4, 5]", e.Message);
        var p = Assert.Throws<ArgumentOutOfRangeException>(() => Predictions.Top(model, torch.zeros(1, 3, 10), position: 5));
        Assert.Contains("3 positions", p.Message);
    }

    [Fact]
    public void Compare_lists_tokens_from_both_tops_with_the_change()
    {
        using var model = TinyGpt2.Load();
        var before = torch.zeros(1, 2, model.Config.DVocab);
        var after = before.clone();
        before[0, 1, 10] = torch.tensor(10f);
        after[0, 1, 20] = torch.tensor(10f);
        var table = Predictions.Compare(model, before, after, count: 1);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(Predictions.Quoted(model.Tokenizer.TokenText(10)), table.Rows[0][0]);
        Assert.StartsWith("-", table.Rows[0][3]);
        Assert.StartsWith("+", table.Rows[1][3]);
        Assert.Contains("changes from", string.Join(" ", table.Notes));
    }
}

public class ModelComparisonTests
{
    [Fact]
    public void Measured_and_skipped_models_share_one_table_and_only_loaded_ones_are_charted()
    {
        using var model = TinyGpt2.Load();
        using var logits = model.Forward(model.ToTokens("The cat"));
        var top = Predictions.Top(model, logits, 2);
        var measured = ModelMeasurement.Measured("gpt2", model, 1.25, 12.5, top);
        var skipped = ModelMeasurement.Skipped("gpt2-xl", "skipped: it needs about 6.82 GB but only 4.00 GB is free.");
        var view = Plots.ModelComparison([measured, skipped], "The cat");

        Assert.True(measured.Loaded);
        Assert.False(skipped.Loaded);
        Assert.Equal(model.ParameterCount, measured.ParameterCount);
        Assert.Equal(model.Config, measured.Config);
        string text = view.ToString();
        Assert.Contains("1.25 s", text);
        Assert.Contains("12.5 ms", text);
        Assert.Contains(Predictions.Quoted(top[0].Text), text);
        Assert.Contains("gpt2-xl: skipped: it needs about 6.82 GB", text);
        string html = view.ToHtml();
        Assert.Contains("Parameters (millions)", html);
        Assert.DoesNotContain(">gpt2-xl</span>", html); // no bar for a skipped model
    }

    [Fact]
    public void Measurements_reject_impossible_times()
    {
        using var model = TinyGpt2.Load();
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelMeasurement.Measured("gpt2", model, -1, 1, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelMeasurement.Measured("gpt2", model, 1, double.NaN, []));
        Assert.Throws<ArgumentException>(() => ModelMeasurement.Skipped("gpt2", " "));
    }
}
