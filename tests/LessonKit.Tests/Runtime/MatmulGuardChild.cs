using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LessonKit.Runtime;
using TorchSharp;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// The child-process side of <see cref="MatmulGuardChildProcessTests"/> (mode <c>matmul</c> of the startup hook): uses
/// LessonKit, then calls <c>torch.matmul</c> with shapes that do not fit and with shapes that do, and prints what
/// happened as <c>RESULT</c> lines. Without the guard the first bad matmul ends this process with SIGABRT.
/// The argument picks the cases: <c>all</c> (default), <c>valid-only</c>, or <c>first-bad-only</c>.
/// </summary>
internal static class MatmulGuardChild
{
    /// <summary>The mismatched cases: name, left shape, right shape.</summary>
    public static readonly (string Name, long[] Left, long[] Right)[] BadCases =
    [
        ("2d", [3, 4], [5, 6]),
        ("1d-2d", [4], [5, 6]),
        ("2d-1d", [3, 4], [5]),
        ("1d-1d", [3], [4]),
        ("batched", [2, 3, 4], [2, 5, 6]),
        ("batched-2d", [2, 3, 4], [5, 6]),
        ("broadcast", [2, 3, 4], [3, 4, 5]),
        ("0d", [], [4]),
    ];

    /// <summary>
    /// Like <see cref="Run"/>, but TorchSharp starts before anything mentions LessonKit (so the guard goes in at once,
    /// when LessonKit's module initializer finds the library already loaded). This method must not mention LessonKit.
    /// </summary>
    public static int TorchFirst()
    {
        TouchTorch();
        return Run("all");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void TouchTorch()
    {
        using var ones = torch.ones(2);
        Console.WriteLine($"RESULT torch-before-lessonkit={ones.sum().item<float>()}");
    }

    public static int Run(string? which)
    {
        _ = TorchRuntime.Log;  // the learner's first mention of LessonKit: the module initializer runs
        Console.WriteLine($"RESULT state-before-torch={MatmulGuard.State}");
        using (var warmUp = torch.ones(2))
        {
            Console.WriteLine($"RESULT state-after-first-torch-call={MatmulGuard.State}");
        }

        var badCases = which switch
        {
            "valid-only" => [],
            "first-bad-only" => BadCases[..1],
            _ => BadCases,
        };
        foreach (var (name, left, right) in badCases)
        {
            using var a = torch.ones(left);
            using var b = torch.ones(right);
            try
            {
                using var product = name == "batched" ? a.matmul(b) : torch.matmul(a, b);  // both entry points
                Console.WriteLine($"RESULT bad-{name}=no-exception");
            }
            catch (Exception e)
            {
                Console.WriteLine($"RESULT bad-{name}={e.GetType().FullName}");
                Console.WriteLine($"MESSAGE-{name}-BEGIN");
                Console.WriteLine(e.Message);
                Console.WriteLine($"MESSAGE-{name}-END");
            }
        }

        // Valid products: the guard runs the original code, so the bits must match TorchSharp's guarded mm / bmm,
        // and (printed as hashes) a run without the guard.
        torch.manual_seed(7);
        using var m34 = torch.randn(3, 4);
        using var m45 = torch.randn(4, 5);
        using var b234 = torch.randn(2, 3, 4);
        using var b245 = torch.randn(2, 4, 5);
        using var v4 = torch.randn(4);
        using var v4b = torch.randn(4);
        Report("2d", torch.matmul(m34, m45), m34.mm(m45));
        Report("batched", torch.matmul(b234, b245), b234.bmm(b245));
        Report("1d-1d", torch.matmul(v4, v4b), v4.dot(v4b));
        Report("2d-1d", torch.matmul(m34, v4), m34.mv(v4));
        Report("1d-2d", torch.matmul(v4, m45), v4.unsqueeze(0).mm(m45).squeeze(0));
        Report("batched-2d", torch.matmul(b234, m45), b234.reshape(6, 4).mm(m45).reshape(2, 3, 5));
        Report("broadcast", b234.matmul(b245[0]), torch.einsum("bij,jk->bik", b234, b245[0]));

        Console.WriteLine($"RESULT state-at-end={MatmulGuard.State}");
        Console.WriteLine("RESULT survived=yes");
        foreach (var line in TorchRuntime.Log)
        {
            Console.WriteLine("LOG " + line);
        }
        return 0;
    }

    private static void Report(string name, torch.Tensor product, torch.Tensor reference)
    {
        using (product)
        using (reference)
        {
            var bits = product.contiguous().data<float>().ToArray();
            var expected = reference.contiguous().data<float>().ToArray();
            bool sameShape = product.shape.SequenceEqual(reference.shape);
            bool identical = sameShape && MemoryMarshal.AsBytes(bits.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan()));
            Console.WriteLine($"RESULT good-{name}-identical={identical}");
            Console.WriteLine($"RESULT good-{name}-hash={Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(bits.AsSpan())))}");
        }
    }
}
