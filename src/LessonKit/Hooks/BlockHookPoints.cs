namespace LessonKit.Hooks;

/// <summary>
/// The hook points of one transformer block (<see cref="HookNames"/>' table in block <see cref="Layer"/>), made once per
/// model so a forward pass allocates no names.
/// </summary>
internal sealed class BlockHookPoints
{
    public BlockHookPoints(int layer)
    {
        Layer = layer;
        ResidPre = HookNames.ResidPre.In(layer);
        Ln1Scale = HookNames.Ln1Scale.In(layer);
        Ln1Normalized = HookNames.Ln1Normalized.In(layer);
        Q = HookNames.Q.In(layer);
        K = HookNames.K.In(layer);
        V = HookNames.V.In(layer);
        AttnScores = HookNames.AttnScores.In(layer);
        Pattern = HookNames.Pattern.In(layer);
        Z = HookNames.Z.In(layer);
        AttnOut = HookNames.AttnOut.In(layer);
        ResidMid = HookNames.ResidMid.In(layer);
        Ln2Scale = HookNames.Ln2Scale.In(layer);
        Ln2Normalized = HookNames.Ln2Normalized.In(layer);
        MlpPre = HookNames.MlpPre.In(layer);
        MlpPost = HookNames.MlpPost.In(layer);
        MlpOut = HookNames.MlpOut.In(layer);
        ResidPost = HookNames.ResidPost.In(layer);
    }

    /// <summary>The block these points belong to.</summary>
    public int Layer { get; }

    public HookPoint ResidPre { get; }
    public HookPoint Ln1Scale { get; }
    public HookPoint Ln1Normalized { get; }
    public HookPoint Q { get; }
    public HookPoint K { get; }
    public HookPoint V { get; }
    public HookPoint AttnScores { get; }
    public HookPoint Pattern { get; }
    public HookPoint Z { get; }
    public HookPoint AttnOut { get; }
    public HookPoint ResidMid { get; }
    public HookPoint Ln2Scale { get; }
    public HookPoint Ln2Normalized { get; }
    public HookPoint MlpPre { get; }
    public HookPoint MlpPost { get; }
    public HookPoint MlpOut { get; }
    public HookPoint ResidPost { get; }
}
