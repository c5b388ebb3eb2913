namespace LessonKit.Display;

/// <summary>
/// How much a view embeds, so that a page stays small and responsive. Past these limits a view degrades with a
/// visible note (the last <see cref="MaxTokens"/> tokens, fewer layers, downsampled patterns) instead of
/// freezing the browser tab.
/// </summary>
internal static class ViewLimits
{
    /// <summary>Views of attention show at most this many tokens: the last ones of a longer text.</summary>
    public const int MaxTokens = 256;

    /// <summary>The most numbers one view embeds (one byte each at 8 bits, two at 16), about 2 MB of page at most.</summary>
    public const int MaxEmbeddedValues = 1_500_000;

    /// <summary>Patterns this small or smaller are embedded with 16-bit precision (hover shows 3 decimals); larger ones with 8 bits.</summary>
    public const int MaxValuesAt16Bits = 400_000;

    /// <summary>The positional heatmap shows at most this many positions (every k-th position of a longer encoding).</summary>
    public const int MaxHeatmapRows = 512;

    /// <summary>The positional heatmap shows at most this many dimensions (every k-th dimension of a wider one).</summary>
    public const int MaxHeatmapColumns = 1024;

    /// <summary>A line chart draws at most this many points (every k-th point of longer data, and the last).</summary>
    public const int MaxLinePoints = 20_000;

    /// <summary>A line chart marks its points (each with a tooltip) when it has at most this many; beyond, lines only.</summary>
    public const int MaxLineMarkers = 1_000;

    /// <summary>A bar chart shows at most this many bars (the first ones).</summary>
    public const int MaxBars = 500;

    /// <summary><see cref="Plots.Heatmap(TorchSharp.torch.Tensor, IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/> shows at most this many rows and this many columns (every k-th of a larger matrix).</summary>
    public const int MaxChartHeatmapSide = 512;
}
