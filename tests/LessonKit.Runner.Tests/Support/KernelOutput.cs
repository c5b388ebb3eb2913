namespace LessonKit.Runner.Tests.Support;

/// <summary>What the .NET Interactive formatter writes for values, as Jupyter and VS Code receive it.</summary>
public static class KernelOutput
{
    /// <summary>
    /// The start of the HTML the kernel shows for a value without its own formatter (numbers, booleans, lists):
    /// its plain-text form in a <c>dni-plaintext</c> block, followed by the kernel's stylesheet.
    /// </summary>
    public static string PlainTextHtml(string encodedText) => $"<div class=\"dni-plaintext\"><pre>{encodedText}</pre></div>";
}
