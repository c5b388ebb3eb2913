using System.Text.Json;
using System.Text.Json.Serialization;

namespace LessonKit.Tests.Text;

/// <summary>
/// The committed oracle file <c>Fixtures/gpt2-tokenizer/golden.json</c>: GPT-2 token ids for a corpus of hard strings
/// from OpenAI's tiktoken and from js-tiktoken, written by <c>tests/tools/gpt2-token-golden/make-golden.mjs</c>.
/// </summary>
internal static class GoldenTokenCases
{
    public sealed record Case(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("text")] string Text,
        [property: JsonPropertyName("tiktoken")] int[] Tiktoken,
        [property: JsonPropertyName("jsTiktoken")] int[] JsTiktoken);

    private sealed record File(
        [property: JsonPropertyName("cases")] Case[] Cases,
        [property: JsonPropertyName("partialTokenTexts")] Dictionary<string, string> PartialTokenTexts);

    private static readonly Lazy<File> s_file = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "gpt2-tokenizer", "golden.json");
        return JsonSerializer.Deserialize<File>(System.IO.File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path} is empty");
    });

    public static IReadOnlyList<Case> All => s_file.Value.Cases;

    public static Case Named(string name) => All.Single(c => c.Name == name);

    /// <summary>id → text (with U+FFFD) for every token whose bytes are not whole UTF-8 characters.</summary>
    public static IReadOnlyDictionary<int, string> PartialTokenTexts => s_partialTokenTexts.Value;

    private static readonly Lazy<Dictionary<int, string>> s_partialTokenTexts = new(() =>
        s_file.Value.PartialTokenTexts.ToDictionary(kv => int.Parse(kv.Key), kv => kv.Value));

    /// <summary>The case names, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (Case c in All)
        {
            names.Add(c.Name);
        }
        return names;
    }
}
