using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LessonKit.Runtime;

/// <summary>
/// The message a learner sees when <c>torch.matmul</c> fails under LessonKit's guard: both shapes, the rule they
/// broke, then libtorch's own first line. libtorch alone is often unclear, because matmul reshapes before it
/// checks: [2, 3, 4]·[5, 6] reports "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)", and [2, 3, 4]·[2, 5, 6]
/// reports "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5]."
/// </summary>
/// <remarks>
/// The rules are those of <c>torch.matmul</c>: 1-D·1-D is a dot product (equal lengths); otherwise the last dimension
/// of the first tensor meets the second-to-last of the second (the only one if it is 1-D), and the dimensions before
/// the last two (batch dimensions) are broadcast: compared from the right, each pair must be equal or contain a 1.
/// The message only explains; whether the product fails is always libtorch's decision.
/// </remarks>
internal static class MatmulErrorMessage
{
    private static unsafe delegate* unmanaged<IntPtr, long> dimensionCount;
    private static unsafe delegate* unmanaged<IntPtr, long, long> dimensionSize;

    /// <summary>Builds the message from the two shapes and libtorch's message.</summary>
    public static string Format(long[] left, long[] right, string libtorchMessage)
    {
        string shapes = $"torch.matmul: shapes {Show(left)} and {Show(right)} do not fit";
        string rule = Rule(left, right) is string broken ? $"{shapes}: {broken}." : $"torch.matmul of shapes {Show(left)} and {Show(right)} failed.";
        return $"{rule}\nlibtorch says: {FirstParagraph(libtorchMessage)}";
    }

    /// <summary>The rule the shapes break, or null when they fit (the error is about something else, e.g. dtypes).</summary>
    internal static string? Rule(long[] left, long[] right)
    {
        if (left.Length == 0 || right.Length == 0)
        {
            return "matmul needs at least one dimension on each side; for a number times a tensor use mul or *";
        }
        if (left.Length == 1 && right.Length == 1)
        {
            return left[0] == right[0] ? null : $"two 1-D tensors make a dot product, so their lengths must be equal ({left[0]} ≠ {right[0]})";
        }
        long inner = left[^1];
        long otherInner = right.Length == 1 ? right[0] : right[^2];
        string name = left.Length == 1 ? "the length of the first" : "the last dimension of the first";
        string otherName = right.Length == 1 ? "the length of the second" : "the second-to-last dimension of the second";
        if (inner != otherInner)
        {
            return $"{name} ({inner}) must equal {otherName} ({otherInner})";
        }
        var leftBatch = left.Length > 2 ? left[..^2] : [];
        var rightBatch = right.Length > 2 ? right[..^2] : [];
        for (int i = 1; i <= Math.Min(leftBatch.Length, rightBatch.Length); i++)
        {
            long a = leftBatch[^i], b = rightBatch[^i];
            if (a != b && a != 1 && b != 1)
            {
                return $"the batch dimensions (all but the last two) {Show(leftBatch)} and {Show(rightBatch)} must broadcast: " +
                       $"compared from the right, each pair must be equal or contain a 1, but {a} and {b} are neither";
            }
        }
        return null;
    }

    /// <summary>libtorch's message without the C++ stack trace it appends ("Exception raised from ...").</summary>
    internal static string FirstParagraph(string message)
    {
        int trace = message.IndexOf("\nException raised from", StringComparison.Ordinal);
        return (trace >= 0 ? message[..trace] : message).Trim();
    }

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>
    /// Lets the native guard call <see cref="FormatForGuard"/>: it reads tensor shapes through TorchSharp's own
    /// exports <c>THSTensor_ndimension</c> and <c>THSTensor_size</c> at these addresses.
    /// </summary>
    internal static unsafe ulong Connect(IntPtr ndimension, IntPtr size)
    {
        dimensionCount = (delegate* unmanaged<IntPtr, long>)ndimension;
        dimensionSize = (delegate* unmanaged<IntPtr, long, long>)size;
        return (ulong)(delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr>)&FormatForGuard;
    }

    /// <summary>
    /// Called by the guard's catch handler with the two tensor handles and libtorch's message. Returns the message
    /// in memory from <c>malloc</c> (TorchSharp frees it), or zero if anything goes wrong (the guard then keeps
    /// libtorch's message). Must never throw: an exception cannot leave a function native code calls.
    /// </summary>
    [UnmanagedCallersOnly]
    private static IntPtr FormatForGuard(IntPtr left, IntPtr right, IntPtr libtorchMessage)
    {
        try
        {
            string message = Format(Shape(left), Shape(right), Marshal.PtrToStringUTF8(libtorchMessage) ?? "");
            return Marshal.StringToCoTaskMemUTF8(message);  // malloc on Linux
        }
        catch (Exception)
        {
            return IntPtr.Zero;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe long[] Shape(IntPtr tensor)
    {
        long count = dimensionCount(tensor);
        var shape = new long[count];
        for (int i = 0; i < count; i++)
        {
            shape[i] = dimensionSize(tensor, i);
        }
        return shape;
    }
}
