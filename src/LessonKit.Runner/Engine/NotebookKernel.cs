using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace LessonKit.Runner.Engine;

/// <summary>
/// Builds the kernel one notebook's cells run in: the real .NET Interactive C# kernel inside a composite kernel, set
/// up the way the dotnet-interactive tool sets it up for Jupyter and VS Code (its <c>KernelBuilder.CreateKernel</c>):
/// <c>#r "nuget:"</c>, <c>#i</c>, <c>display()</c> and the other kernel helpers, <c>#!who</c>, <c>#!set</c>/<c>#!share</c>,
/// <c>#!import</c>, <c>#!time</c> and <c>#!markdown</c>, packages' <c>interactive-extensions</c>, and the tool's
/// formatter settings. The tool's other kernels (F#, PowerShell, HTML, Mermaid, HTTP, ...) are not hosted: their
/// packages are not published on their own.
/// </summary>
public static class NotebookKernel
{
    /// <summary>The C# kernel's name, as cells' <c>polyglot_notebook.kernelName</c> gives it.</summary>
    public const string CSharpKernelName = "csharp";

    /// <summary>A fresh kernel for one notebook (its C# state starts empty).</summary>
    public static CompositeKernel Create()
    {
        UseToolFormatterSettings();

        var csharp = new CSharpKernel()
            .UseNugetDirective(AddRestoredAssemblies)
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();

        var composite = new CompositeKernel();
        composite.Add(csharp, ["c#", "C#"]);
        composite.DefaultKernelName = CSharpKernelName;
        composite.UseImportMagicCommand();
        TimeMagic.AddTo(composite);
        MarkdownMagic.AddTo(composite);
        NuGetExtensionLoader.AddTo(composite);
        return composite;
    }

    /// <summary>
    /// The formatter as the tool leaves it for a notebook front end (Jupyter, VS Code): values show as HTML by
    /// default, strings as plain text. Formatters a previous notebook registered in this process are dropped first.
    /// </summary>
    private static void UseToolFormatterSettings()
    {
        Formatter.ResetToDefault();
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
    }

    /// <summary>What <c>#r "nuget:"</c> does once a package is restored: the C# kernel references its assemblies.</summary>
    private static Task AddRestoredAssemblies(CSharpKernel kernel, IReadOnlyList<ResolvedPackageReference> packages)
    {
        kernel.AddAssemblyReferences(packages.SelectMany(package => package.AssemblyPaths));
        return Task.CompletedTask;
    }
}
