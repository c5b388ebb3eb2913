namespace LessonKit;

/// <summary>The colour scale of <see cref="Plots.Heatmap(TorchSharp.torch.Tensor, IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/>.</summary>
public enum HeatmapColors
{
    /// <summary><see cref="Diverging"/> when the values have both signs, else <see cref="Sequential"/>.</summary>
    Auto,

    /// <summary>White for the lowest value to dark blue for the highest (attention weights, probabilities, counts).</summary>
    Sequential,

    /// <summary>Red for negative, white for 0, blue for positive, symmetric around 0 (weights, activations, differences).</summary>
    Diverging,
}
