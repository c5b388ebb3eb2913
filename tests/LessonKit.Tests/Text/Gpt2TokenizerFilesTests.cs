using System.Text.Json;
using LessonKit.Text;

namespace LessonKit.Tests.Text;

/// <summary><see cref="Gpt2Tokenizer.FromFiles"/>: a checkpoint's own vocab.json and merges.txt, and what is wrong with bad ones.</summary>
public sealed class Gpt2TokenizerFilesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lessonkit-tokenizer-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", file);

    [Fact]
    public void CheckpointFilesGiveTheSameIdsAsTheBuiltInVocabulary()
    {
        // GPT-2's own files, byte for byte: the tokenizer already built is shared.
        Assert.Same(Gpt2Tokenizer.Default, Gpt2Tokenizer.FromFiles(Fixture("vocab.json"), Fixture("merges.txt")));

        // The same vocabulary written differently (indented JSON) is read and built from the files.
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Fixture("vocab.json")))!;
        Gpt2Tokenizer fromFiles = Write(JsonSerializer.Serialize(vocab, new JsonSerializerOptions { WriteIndented = true }), File.ReadAllText(Fixture("merges.txt")));
        Assert.NotSame(Gpt2Tokenizer.Default, fromFiles);
        Assert.Equal(50257, fromFiles.VocabSize);
        foreach (GoldenTokenCases.Case c in GoldenTokenCases.All)
        {
            Assert.Equal(c.Tiktoken, fromFiles.Encode(c.Text));
        }
    }

    [Fact]
    public void SmallVocabularyMergesInItsOwnOrder()
    {
        Gpt2Tokenizer small = Write(SmallVocab(), SmallMerges);
        Assert.Equal(260, small.VocabSize);
        Assert.Equal([258], small.Encode(" the"));            // Ġ t -> Ġt, h e -> he, Ġt he -> Ġthe
        Assert.Equal(['t', 257], small.Encode("the"));          // no "Ġ" in front: t + he
        Assert.Equal([258, 258, 'x'], small.Encode(" the thex"));
        Assert.Equal([259, 'a'], small.Encode("<|endoftext|>a"));
        Assert.Equal(" the", small.TokenText(258));
        Assert.Equal(258, small.TokenId(" the"));
        Assert.Equal(" the thex", small.Decode(small.Encode(" the thex")));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => small.Decode([260]));
        Assert.Contains("from 0 to 259", e.Message);
    }

    [Fact]
    public void MergesHeaderCrLfAndBlankLinesAreAccepted()
    {
        Gpt2Tokenizer small = Write(SmallVocab(), "#version: 0.2\r\nĠ t\r\nh e\r\n\r\nĠt he\r\n\r\n");
        Assert.Equal([258], small.Encode(" the"));
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        string missing = Path.Combine(_dir.FullName, "nope", "vocab.json");
        var e = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromFiles(missing, Fixture("merges.txt")));
        Assert.Contains(missing, e.Message);
        Assert.Equal(missing, e.FileName);

        string missingMerges = Path.Combine(_dir.FullName, "merges.txt");
        e = Assert.Throws<FileNotFoundException>(() => Gpt2Tokenizer.FromFiles(Fixture("vocab.json"), missingMerges));
        Assert.Contains("merges.txt not found at " + missingMerges, e.Message);

        Assert.Throws<ArgumentException>(() => Gpt2Tokenizer.FromFiles("", Fixture("merges.txt")));
        Assert.Throws<ArgumentNullException>(() => Gpt2Tokenizer.FromFiles(Fixture("vocab.json"), null!));
    }

    [Theory]
    [InlineData("{\"a\": 0, \"b\": ", "line 1")]          // cut short
    [InlineData("{\n\"a\": 0,\n\"b\" 1}", "line 3")]      // missing colon
    [InlineData("[1, 2, 3]", "JSON object")]               // not an object
    [InlineData("{\"a\": \"zero\"}", "integer id")]         // id is not a number
    [InlineData("{\"a\": 1.5}", "integer id")]
    [InlineData("", "JSON object")]                        // empty file
    [InlineData("{}", "is empty")]
    [InlineData("null", "is empty")]
    public void GarbledVocabJsonIsReported(string json, string expectedInMessage)
    {
        var e = Assert.Throws<InvalidDataException>(() => Write(json, SmallMerges));
        Assert.Contains(Path.Combine(_dir.FullName, "vocab.json"), e.Message);
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void VocabularyProblemsAreNamed()
    {
        AssertRefused(WithoutEndOfText(), SmallMerges, "no \"<|endoftext|>\" entry");
        AssertRefused(Changed(SmallVocab(), v => v["Ġthe"] = 300), SmallMerges, "token \"Ġthe\" has id 300, but with 260 tokens the ids must run from 0 to 259");
        AssertRefused(Changed(SmallVocab(), v => v["Ġthe"] = 257), SmallMerges, "id 257 is given to two tokens");
        AssertRefused(Changed(SmallVocab(), v => { v.Remove("Ġthe"); v["a b"] = 258; }), SmallMerges, "token \"a b\" (id 258) is not written in GPT-2's byte-level alphabet");
        AssertRefused(Changed(SmallVocab(), v => { v.Remove("!"); v["!!"] = 33; }), SmallMerges, "no token for the single byte 0x21 (\"!\")");
    }

    [Fact]
    public void MergesThatDisagreeWithTheVocabularyAreNamed()
    {
        string merges = Path.Combine(_dir.FullName, "merges.txt");
        AssertRefused(SmallVocab(), "#version: 0.2\nĠt\n", $"{merges}, line 2: \"Ġt\" is not a merge rule");
        AssertRefused(SmallVocab(), "Ġ t\nh e x\n", $"{merges}, line 2: \"h e x\" is not a merge rule");
        AssertRefused(SmallVocab(), "Ġ t\nzz e\n", $"{merges}, line 2: token \"zz\" is not in");
        AssertRefused(SmallVocab(), "Ġ t\nh t\n", $"{merges}, line 2: merging \"h\" and \"t\" makes \"ht\", which is not an ordinary token");
        AssertRefused(SmallVocab(), "h e\nĠ t\nĠt he\n", $"{merges}, line 2: the merge \"Ġ t\" makes id 256, but an earlier line made id 257");
        AssertRefused(SmallVocab(), "Ġ t\nh e\n", "has 2 merge rules, but");
    }

    [Fact]
    public void GarbledRealVocabularyIsRefused()
    {
        // The real vocab.json with the comma between two entries in the middle changed to '{' (a key never holds a
        // real space, so ", \"" is always a separator): the error names the file and the place.
        byte[] bytes = File.ReadAllBytes(Fixture("vocab.json"));
        int separator = bytes.AsSpan(bytes.Length / 2).IndexOf(", \""u8) + bytes.Length / 2;
        bytes[separator] = (byte)'{';
        string vocab = Path.Combine(_dir.FullName, "vocab.json");
        File.WriteAllBytes(vocab, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Gpt2Tokenizer.FromFiles(vocab, Fixture("merges.txt")));
        Assert.Contains(vocab, e.Message);
        Assert.Contains("line 1, byte", e.Message);
    }

    // A vocabulary of the 256 bytes (id = byte value), three merged tokens and <|endoftext|>.
    private static Dictionary<string, int> SmallVocab()
    {
        var vocab = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ToChar((byte)b).ToString()] = b;
        }
        vocab["Ġt"] = 256;
        vocab["he"] = 257;
        vocab["Ġthe"] = 258;
        vocab[Gpt2Tokenizer.EndOfText] = 259;
        return vocab;
    }

    private const string SmallMerges = "#version: 0.2\nĠ t\nh e\nĠt he\n";

    private static Dictionary<string, int> WithoutEndOfText() =>
        Changed(SmallVocab(), v => v.Remove(Gpt2Tokenizer.EndOfText));

    private static Dictionary<string, int> Changed(Dictionary<string, int> vocab, Action<Dictionary<string, int>> change)
    {
        change(vocab);
        return vocab;
    }

    private void AssertRefused(Dictionary<string, int> vocab, string merges, string expectedInMessage)
    {
        var e = Assert.Throws<InvalidDataException>(() => Write(vocab, merges));
        Assert.Contains(expectedInMessage, e.Message);
    }

    private Gpt2Tokenizer Write(Dictionary<string, int> vocab, string merges) => Write(JsonSerializer.Serialize(vocab), merges);

    private Gpt2Tokenizer Write(string vocabJson, string merges)
    {
        string vocabPath = Path.Combine(_dir.FullName, "vocab.json");
        string mergesPath = Path.Combine(_dir.FullName, "merges.txt");
        File.WriteAllText(vocabPath, vocabJson);
        File.WriteAllText(mergesPath, merges);
        return Gpt2Tokenizer.FromFiles(vocabPath, mergesPath);
    }
}
