using System.Globalization;
using System.Text;
using LessonKit.Display;
using LessonKit.Lessons;

namespace LessonKit.Display.Views;

/// <summary>
/// The model-size lab's result: a table (shape, parameters, load time, forward latency, top next tokens; skipped
/// models with the reason) and bar charts of parameters and latency. Made by <see cref="Plots.ModelComparison"/>.
/// </summary>
public sealed class ModelComparisonView : View
{
    private readonly ModelMeasurement[] _measurements;
    private readonly TableView _table;
    private readonly BarChartView? _parameters, _latency;

    internal ModelComparisonView(IEnumerable<ModelMeasurement> measurements, string prompt) : base("modelcomparison")
    {
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentNullException.ThrowIfNull(prompt);
        _measurements = measurements.ToArray();
        if (_measurements.Any(m => m is null)) throw new ArgumentException("A measurement is null.", nameof(measurements));
        Prompt = prompt;

        string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var rows = _measurements.Select(m => (IReadOnlyList<string>)(m.Loaded
            ?
            [
                m.Name, N(m.Config!.NLayers), N(m.Config.NHeads), N(m.Config.DModel), N(m.ParameterCount),
                F(m.LoadSeconds, "0.00") + " s", F(m.ForwardMilliseconds, "0.0") + " ms",
                string.Join("  ", m.TopPredictions.Select(c => $"{Predictions.Quoted(c.Text)} {F(c.Probability * 100, "0.0")}%")),
            ]
            : [m.Name, "—", "—", "—", "—", "—", "—", m.SkipReason!]));
        _table = new TableView($"Model sizes: the same prompt through each model", ["Model", "Layers", "Heads", "d_model", "Parameters", "Load", "Forward", "Top next tokens"], rows);

        var loaded = _measurements.Where(m => m.Loaded).ToArray();
        if (loaded.Length > 0)
        {
            _parameters = new BarChartView(loaded.Select(m => m.Name).ToArray(), loaded.Select(m => m.ParameterCount / 1e6).ToArray(), "Parameters (millions)", null, null, "M");
            _latency = new BarChartView(loaded.Select(m => m.Name).ToArray(), loaded.Select(m => m.ForwardMilliseconds).ToArray(), "One forward pass over the prompt (ms)", null, null, "ms");
        }
        AddNote($"Prompt: \"{prompt}\"");
        foreach (var m in _measurements.Where(m => !m.Loaded)) AddNote($"{m.Name}: {m.SkipReason}");
    }

    /// <summary>The prompt every model read.</summary>
    public string Prompt { get; }

    /// <summary>The measurements, in the order given.</summary>
    public IReadOnlyList<ModelMeasurement> Measurements => _measurements;

    /// <inheritdoc/>
    public override string Title => "Model sizes compared";

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        html.Append(_table.ToHtml());
        if (_parameters is not null && _latency is not null)
        {
            html.Append("<div style=\"display:flex;flex-wrap:wrap;gap:12px\">");
            html.Append(_parameters.ToHtml()).Append(_latency.ToHtml());
            html.Append("</div>");
        }
        else html.Append("<div class=\"lk-hint\">No model was loaded, so there is nothing to chart.</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append(_table.ToString()).Append('\n');
        if (_latency is not null) text.Append('\n').Append(_latency.ToString()).Append('\n');
    }
}
