using System.Buffers.Binary;
using System.Text.Json;
using LessonKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display.Charts;

/// <summary><see cref="Plots.Heatmap(Tensor, IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/>: inputs, checks and the data it embeds.</summary>
public class HeatmapTests
{
    private static readonly double[,] Grid = { { 1, 2, 3 }, { 4, 5, 6.5 } };

    /// <summary>The values a heatmap embeds for its script, decoded as the script decodes them.</summary>
    private static double[] Embedded(View view)
    {
        JsonElement data = ViewHtml.Data(view);
        byte[] bytes = Convert.FromBase64String(data.GetProperty("floats").GetString()!);
        bool wide = data.GetProperty("wide").GetBoolean();
        int size = wide ? 8 : 4;
        return Enumerable.Range(0, bytes.Length / size)
            .Select(i => wide ? BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * size)) : BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * size)))
            .ToArray();
    }

    [Fact]
    public void Two_dimensional_arrays_jagged_arrays_lists_and_tensors_give_the_same_matrix()
    {
        var views = new[]
        {
            Plots.Heatmap(Grid),
            Plots.Heatmap(new float[,] { { 1, 2, 3 }, { 4, 5, 6.5f } }),
            Plots.Heatmap(new[] { new double[] { 1, 2, 3 }, new[] { 4, 5, 6.5 } }),
            Plots.Heatmap(new[] { new float[] { 1, 2, 3 }, new[] { 4, 5, 6.5f } }),
            Plots.Heatmap(new List<List<double>> { new() { 1, 2, 3 }, new() { 4, 5, 6.5 } }),
            Plots.Heatmap(torch.tensor(new[] { 1, 2, 3, 4, 5, 6.5f }, [2, 3])),
            Plots.Heatmap(torch.tensor(new[] { 1, 2, 3, 4, 5, 6.5 }, [2, 3], ScalarType.Float64)),
        };
        foreach (var view in views)
        {
            Assert.Equal((2, 3), (view.Rows, view.Columns));
            Assert.Equal(6.5, view[1, 2]);
            Assert.Equal([1, 2, 3, 4, 5, 6.5], Embedded(view));
            Assert.Equal((1.0, 6.5), (view.Min, view.Max));
        }
        Assert.Equal(7, Plots.Heatmap(new int[,] { { 7 } })[0, 0]);
    }

    [Fact]
    public void Rows_of_different_lengths_are_refused_with_both_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(new[] { new double[] { 1, 2, 3 }, new double[] { 4, 5 } }));
        Assert.Contains("Row 1 of 'matrix' has 2 values but row 0 has 3; a heatmap needs every row the same length.", e.Message);
        Assert.Contains("Row 1 of 'matrix' is null", Assert.Throws<ArgumentException>(() => Plots.Heatmap(new[] { new double[] { 1 }, null! })).Message);
        Assert.Equal("matrix", Assert.Throws<ArgumentNullException>(() => Plots.Heatmap((double[,])null!)).ParamName);
        Assert.Equal("matrix", Assert.Throws<ArgumentNullException>(() => Plots.Heatmap((double[][])null!)).ParamName);
        Assert.Equal("matrix", Assert.Throws<ArgumentNullException>(() => Plots.Heatmap((Tensor)null!)).ParamName);
    }

    [Fact]
    public void Empty_matrices_are_refused()
    {
        foreach (Action call in new Action[]
                 {
                     () => Plots.Heatmap(new double[0, 3]), () => Plots.Heatmap(new double[2, 0]), () => Plots.Heatmap(Array.Empty<double[]>()),
                     () => Plots.Heatmap(new[] { Array.Empty<float>() }), () => Plots.Heatmap(torch.zeros(0, 3)),
                 })
            Assert.Contains("'matrix' is empty", Assert.Throws<ArgumentException>(call).Message);
    }

    [Fact]
    public void Tensors_must_be_two_dimensional_real_and_alive()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(torch.ones(4)));
        Assert.Contains("'matrix' must be a 2-D tensor [rows, columns], but its shape is [4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(torch.ones(1, 12, 5, 5)));
        Assert.Contains("its shape is [1, 12, 5, 5]. Pick one matrix, e.g. t[0]", e.Message);
        var disposed = torch.ones(2, 2);
        disposed.Dispose();
        Assert.Contains("The tensor passed as 'matrix' has been disposed", Assert.Throws<ObjectDisposedException>(() => Plots.Heatmap(disposed)).Message);
        Assert.Contains("complex numbers", Assert.Throws<ArgumentException>(() => Plots.Heatmap(torch.zeros(2, 2, dtype: ScalarType.ComplexFloat64))).Message);
        Assert.Equal(1, Plots.Heatmap(torch.eye(3, dtype: ScalarType.Int64))[2, 2]);
    }

    [Fact]
    public void Label_counts_must_match_the_rows_and_columns()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(Grid, rowLabels: ["a", "b", "c"]));
        Assert.Contains("'rowLabels' has 3 labels for 2 rows: give one label per row (or none).", e.Message);
        e = Assert.Throws<ArgumentException>(() => Plots.Heatmap(Grid, ["a", "b"], ["x", "y"]));
        Assert.Contains("'columnLabels' has 2 labels for 3 columns: give one label per column (or none).", e.Message);
        var view = Plots.Heatmap(Grid, ["a", "b"], ["x", "<y>", "z"], "T", "query", "key");
        Assert.Equal(["x", "<y>", "z"], view.ColumnLabels);
        JsonElement data = ViewHtml.Data(view);
        Assert.Equal("<y>", data.GetProperty("colNames")[1].GetString());
        Assert.Equal("query", data.GetProperty("rowTitle").GetString());
        Assert.DoesNotContain("<y>", view.ToHtml());
    }

    [Fact]
    public void The_colour_scale_follows_the_signs_unless_given()
    {
        Assert.Equal(HeatmapColors.Sequential, Plots.Heatmap(Grid).Colors);
        var signed = Plots.Heatmap(new double[,] { { -2, 1 } });
        Assert.Equal(HeatmapColors.Diverging, signed.Colors);
        JsonElement data = ViewHtml.Data(signed);
        Assert.Equal(("div", -2.0, 2.0), (data.GetProperty("scale").GetString(), data.GetProperty("lo").GetDouble(), data.GetProperty("hi").GetDouble()));
        data = ViewHtml.Data(Plots.Heatmap(Grid));
        Assert.Equal(("seq", 1.0, 6.5), (data.GetProperty("scale").GetString(), data.GetProperty("lo").GetDouble(), data.GetProperty("hi").GetDouble()));
        data = ViewHtml.Data(Plots.Heatmap(Grid, colors: HeatmapColors.Diverging));
        Assert.Equal((-6.5, 6.5), (data.GetProperty("lo").GetDouble(), data.GetProperty("hi").GetDouble()));
        data = ViewHtml.Data(Plots.Heatmap(Grid, min: 0, max: 10));
        Assert.Equal((0.0, 10.0), (data.GetProperty("lo").GetDouble(), data.GetProperty("hi").GetDouble()));

        Assert.Contains("minimum (5) must be below its maximum (1)", Assert.Throws<ArgumentException>(() => Plots.Heatmap(Grid, min: 5, max: 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Plots.Heatmap(Grid, min: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Plots.Heatmap(Grid, colors: (HeatmapColors)7));
    }

    [Fact]
    public void NaN_and_infinity_are_embedded_as_such_and_noted()
    {
        var view = Plots.Heatmap(new[] { new[] { 1, double.NaN }, new[] { double.PositiveInfinity, -3 } });
        Assert.Equal((1, 1), (view.NaNCount, view.InfinityCount));
        Assert.Equal((-3.0, 1.0), (view.Min, view.Max));
        Assert.Contains("The matrix has values that are not numbers (1 NaN, 1 infinite): NaN is drawn grey", view.Notes.Single());
        double[] values = Embedded(view);
        Assert.True(double.IsNaN(values[1]));
        Assert.Equal(double.PositiveInfinity, values[2]);
        Assert.True(ViewHtml.Data(view).GetProperty("nan").GetBoolean());
        Assert.Contains("1 NaN, 1 infinite values; the others from -3 to 1.", view.ToString());
    }

    [Fact]
    public void Values_too_large_for_float32_are_embedded_as_float64()
    {
        var view = Plots.Heatmap(new double[,] { { 1e300, -2.5 } });
        Assert.True(ViewHtml.Data(view).GetProperty("wide").GetBoolean());
        Assert.Equal([1e300, -2.5], Embedded(view));
        Assert.False(ViewHtml.Data(Plots.Heatmap(Grid)).GetProperty("wide").GetBoolean());
    }

    [Fact]
    public void Tooltip_decimals_follow_the_values()
    {
        Assert.Equal(0, ViewHtml.Data(Plots.Heatmap(new double[,] { { 1, 250 } })).GetProperty("digits").GetInt32());
        Assert.Equal(3, ViewHtml.Data(Plots.Heatmap(new double[,] { { 0.5, 1 } })).GetProperty("digits").GetInt32());
        Assert.Equal(5, ViewHtml.Data(Plots.Heatmap(new double[,] { { 0.01, 0.05 } })).GetProperty("digits").GetInt32());
        Assert.Equal(1, ViewHtml.Data(Plots.Heatmap(new double[,] { { 0.5, 250 } })).GetProperty("digits").GetInt32());
    }

    [Fact]
    public void Large_matrices_show_every_kth_row_and_column_with_a_note()
    {
        using var big = torch.arange(600 * 1100, dtype: ScalarType.Float32).reshape(600, 1100);
        var view = Plots.Heatmap(big, Enumerable.Range(0, 600).Select(i => $"r{i}"));
        Assert.Equal((2, 3), (view.RowStep, view.ColumnStep));
        Assert.Equal((300, 367), (view.ShownRows, view.ShownColumns));
        Assert.Contains("Showing every 2nd row (0, 2, 4, …, 598) and every 3rd column (0, 3, 6, …, 1098): 300 × 367 of 600 × 1100", view.Notes.Single());
        double[] values = Embedded(view);
        Assert.Equal(300 * 367, values.Length);
        Assert.Equal(2 * 1100 + 3, values[367 + 1]);   // shown row 1, column 1 = row 2, column 3
        JsonElement data = ViewHtml.Data(view);
        Assert.Equal("r2", data.GetProperty("rowNames")[1].GetString());
        Assert.True(view.ToHtml().Length < 1_000_000, $"{view.ToHtml().Length:N0} characters");
    }

    [Fact]
    public void The_text_form_writes_a_small_matrix_out()
    {
        var view = Plots.Heatmap(Grid, ["a", "b"], ["x", "y", "z"], "Small", "query", "key");
        Assert.Equal("Small\n2 × 3 (query × key), values from 1 to 6.5.\n   x  y  z\na  1  2  3\nb  4  5  6.5", view.ToString());
        Assert.Equal("Heatmap (20 × 20)\n20 × 20 (row × column), values from 0 to 0.", Plots.Heatmap(new double[20, 20]).ToString());
    }
}
