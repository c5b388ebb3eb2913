namespace LessonKit.Hooks;

/// <summary>The hook points of one transformer block, made once per model so a forward pass allocates no names.</summary>
internal sealed class BlockHookPoints
{
    public BlockHookPoints(int layer)
    {
        Layer = layer;
        HookPoint At(string local) => new($"blocks.{layer}.{local}", layer);
        ResidPre = At("hook_resid_pre");
        Ln1Scale = At("ln1.hook_scale");
        Ln1Normalized = At("ln1.hook_normalized");
        Q = At("attn.hook_q");
        K = At("attn.hook_k");
        V = At("attn.hook_v");
        AttnScores = At("attn.hook_attn_scores");
        Pattern = At("attn.hook_pattern");
        Z = At("attn.hook_z");
        AttnOut = At("hook_attn_out");
        ResidMid = At("hook_resid_mid");
        Ln2Scale = At("ln2.hook_scale");
        Ln2Normalized = At("ln2.hook_normalized");
        MlpPre = At("mlp.hook_pre");
        MlpPost = At("mlp.hook_post");
        MlpOut = At("hook_mlp_out");
        ResidPost = At("hook_resid_post");
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
