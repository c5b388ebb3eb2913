using System.Reflection;
using System.Runtime.CompilerServices;

namespace LessonKit.Tests.Surface;

/// <summary>
/// Writes an assembly's public surface as sorted lines of text, one per type and one per member a caller outside
/// the assembly can reach (public, or protected in a type that can be derived from), so two versions can be diffed.
/// </summary>
/// <remarks>
/// A line names the type, then the member with its parameters (names and default values too: callers use
/// <c>prependBos: true</c>), e.g. <c>LessonKit.HookedGpt2 | method static FromPretrained(string nameOrDirectory, ...)
/// -> LessonKit.HookedGpt2</c>. Compiler-made members (names with <c>&lt;</c>) and property accessors (their property
/// line says get/set/init) are left out.
/// </remarks>
internal static class PublicApi
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The public surface of <paramref name="assembly"/>, one line each, sorted ordinally.</summary>
    public static IReadOnlyList<string> Describe(Assembly assembly) => Describe(assembly.GetExportedTypes());

    /// <summary>The lines for <paramref name="types"/> (the visible ones), sorted ordinally.</summary>
    public static IReadOnlyList<string> Describe(IEnumerable<Type> types)
    {
        var lines = new List<string>();
        foreach (var type in types.Where(t => t.IsVisible))
        {
            string owner = Name(type);
            lines.Add($"{owner} | {TypeKind(type)}{BaseList(type)}");
            lines.AddRange(Members(type).Select(member => $"{owner} | {member}"));
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static IEnumerable<string> Members(Type type)
    {
        if (type.IsEnum)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                yield return $"value {field.Name} = {Convert.ToInt64(field.GetRawConstantValue())}";
            yield break;
        }
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            var invoke = type.GetMethod("Invoke")!;
            yield return $"signature ({Parameters(invoke)}) -> {Name(invoke.ReturnType, Nullability.Create(invoke.ReturnParameter).ReadState, Nullability.Create(invoke.ReturnParameter))}";
            yield break;
        }
        foreach (var constructor in type.GetConstructors(Declared).Where(Reachable))
            yield return $"{Access(constructor)}constructor ({Parameters(constructor)})";
        foreach (var method in type.GetMethods(Declared).Where(m => Reachable(m) && !m.IsSpecialName && !m.Name.Contains('<')))
            yield return $"{Access(method)}method {Modifiers(method)}{method.Name}{GenericArguments(method)}({Parameters(method)}) -> {Returned(method)}";
        foreach (var method in type.GetMethods(Declared).Where(m => Reachable(m) && m.IsSpecialName && m.Name.StartsWith("op_", StringComparison.Ordinal)))
            yield return $"{Access(method)}operator {method.Name}({Parameters(method)}) -> {Returned(method)}";
        foreach (var property in type.GetProperties(Declared))
        {
            var accessors = new[] { property.GetMethod, property.SetMethod }.Where(a => a is not null && Reachable(a)).ToArray();
            if (accessors.Length == 0) continue;
            var indexParameters = property.GetIndexParameters();
            string name = indexParameters.Length == 0 ? property.Name : $"this[{Parameters(indexParameters)}]";
            string kinds = string.Join(" ", accessors.Select(a => a == property.GetMethod ? "get" : IsInit(a!) ? "init" : "set"));
            var info = Nullability.Create(property);
            yield return $"{Access(accessors[0]!)}property {Modifiers(accessors[0]!)}{name} : {Name(property.PropertyType, property.CanRead ? info.ReadState : info.WriteState, info)} {{ {kinds} }}";
        }
        foreach (var field in type.GetFields(Declared).Where(f => (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.Name.Contains('<')))
        {
            string kind = field.IsLiteral ? $"const = {Literal(field.GetRawConstantValue())}" : field.IsInitOnly ? "readonly" : "mutable";
            yield return $"{(field.IsPublic ? "" : "protected ")}field {(field.IsStatic && !field.IsLiteral ? "static " : "")}{field.Name} : {Name(field.FieldType, Nullability.Create(field).ReadState, Nullability.Create(field))} {kind}";
        }
        foreach (var @event in type.GetEvents(Declared).Where(e => e.AddMethod is { } add && Reachable(add)))
            yield return $"event {@event.Name} : {Name(@event.EventHandlerType!)}";
    }

    // Public members, and protected ones when a type outside the assembly can derive from this one.
    private static bool Reachable(MethodBase member) =>
        member.IsPublic || ((member.IsFamily || member.IsFamilyOrAssembly) && !member.DeclaringType!.IsSealed);

    private static string Access(MethodBase member) => member.IsPublic ? "" : "protected ";

    private static string Modifiers(MethodInfo method) =>
        (method.IsStatic ? "static " : "") +
        (method.IsAbstract ? "abstract " : method.IsVirtual && !method.IsFinal && method.GetBaseDefinition() == method ? "virtual " : "") +
        (method.IsVirtual && method.GetBaseDefinition() != method ? "override " : "");

    private static bool IsInit(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m == typeof(IsExternalInit));

    private static string TypeKind(Type type)
    {
        if (type.IsEnum) return "enum";
        if (typeof(Delegate).IsAssignableFrom(type)) return "delegate";
        if (type.IsInterface) return "interface";
        bool record = type.GetMethod("<Clone>$") is not null || type.GetProperty("EqualityContract", Declared) is not null;
        string kind = type.IsValueType ? (record ? "record struct" : "struct") : record ? "record" : "class";
        string modifiers = type.IsValueType ? "" : type.IsAbstract && type.IsSealed ? "static " : type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : "";
        return modifiers + kind;
    }

    private static string BaseList(Type type)
    {
        if (type.IsEnum || type.IsInterface && type.GetInterfaces().Length == 0 || typeof(Delegate).IsAssignableFrom(type)) return "";
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType)) bases.Add(Name(baseType));
        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => !inherited.Contains(i) && i.IsVisible).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase method) => Parameters(method.GetParameters());

    private static string Parameters(ParameterInfo[] parameters) => string.Join(", ", parameters.Select(Parameter));

    private static string Parameter(ParameterInfo parameter)
    {
        string prefix = parameter.IsDefined(typeof(ParamArrayAttribute)) ? "params " : parameter.IsOut ? "out " : parameter.ParameterType.IsByRef ? "ref " : "";
        var info = Nullability.Create(parameter);
        string text = $"{prefix}{Name(parameter.ParameterType, parameter.IsOut ? info.ReadState : info.WriteState, info)} {parameter.Name}";
        return parameter.HasDefaultValue ? $"{text} = {Literal(parameter.RawDefaultValue)}" : text;
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // Reads the compiler's nullable annotations: string? and string are different promises to a caller.
    private static readonly NullabilityInfoContext Nullability = new();

    private static string Returned(MethodInfo method)
    {
        var info = Nullability.Create(method.ReturnParameter);
        return Name(method.ReturnType, info.ReadState, info);
    }

    // A reference type gets "?" when annotated nullable; generic arguments and array elements follow their own annotations.
    private static string Name(Type type, NullabilityState state, NullabilityInfo? info)
    {
        if (type.IsByRef) return Name(type.GetElementType()!, state, info);
        string name = type.IsArray && info?.ElementType is { } element
            ? Name(type.GetElementType()!, element.ReadState, element) + "[" + new string(',', type.GetArrayRank() - 1) + "]"
            : type.IsGenericType && info is { GenericTypeArguments.Length: > 0 } && !type.IsValueType || IsValueTuple(type) && info is { GenericTypeArguments.Length: > 0 }
                ? Generic(type, info!.GenericTypeArguments)
                : Name(type);
        return !type.IsValueType && state == NullabilityState.Nullable ? name + "?" : name;
    }

    private static bool IsValueTuple(Type type) =>
        type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true;

    private static string Generic(Type type, NullabilityInfo[] arguments)
    {
        string parts = string.Join(", ", type.GetGenericArguments().Select((argument, i) =>
            i < arguments.Length ? Name(argument, arguments[i].ReadState, arguments[i]) : Name(argument)));
        if (IsValueTuple(type)) return "(" + parts + ")";
        string name = Name(type);
        return name[..name.IndexOf('<')] + "<" + parts + ">";
    }

    /// <summary>A type's name as C# spells it, with its namespace and generic arguments: <c>System.Collections.Generic.IReadOnlyList&lt;string&gt;</c>.</summary>
    public static string Name(Type type)
    {
        if (type.IsByRef) return Name(type.GetElementType()!);
        if (type.IsArray) return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (type.IsPointer) return Name(type.GetElementType()!) + "*";
        if (type.IsGenericParameter) return type.Name;
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Name(underlying) + "?";
        if (Keywords.TryGetValue(type, out string? keyword)) return keyword;
        if (type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
            return "(" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ")";
        string name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : (type.Namespace is { } ns ? ns + "." : "") + type.Name;
        int tick = name.IndexOf('`');
        if (tick >= 0) name = name[..tick];
        if (!type.IsGenericType) return name;
        var arguments = type.GetGenericArguments();
        if (type.IsNested) arguments = arguments.Skip(type.DeclaringType!.GetGenericArguments().Length).ToArray();
        return arguments.Length == 0 ? name : name + "<" + string.Join(", ", arguments.Select(Name)) + ">";
    }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(object)] = "object", [typeof(string)] = "string", [typeof(bool)] = "bool",
        [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short", [typeof(ushort)] = "ushort",
        [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long", [typeof(ulong)] = "ulong",
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal", [typeof(char)] = "char",
    };
}
