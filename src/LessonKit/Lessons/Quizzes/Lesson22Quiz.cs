namespace LessonKit.Lessons.Quizzes;

/// <summary>
/// Lesson 2.2's knowledge check, asked in the notebook as <c>Quiz.Ask("2.2", n)</c> (n = the position in this list,
/// from 1). Keep the right answers spread over the letters and not longer than the wrong ones (the tests check both).
/// </summary>
internal static class Lesson22Quiz
{
    public static IReadOnlyList<Func<QuizQuestion>> Questions { get; } =
    [
        () => Quiz.Question("Why are the scores divided by √d_head?",
            Quiz.Wrong("To make every score positive before the softmax exponentiates them all.",
                "Dividing by a positive number keeps the sign; the softmax handles negative scores anyway."),
            Quiz.Wrong("To save memory: smaller numbers need fewer bits to be stored.",
                "A float32 takes 4 bytes whatever its value; the scaling costs a division and saves nothing."),
            Quiz.Wrong("So that the weights in each row of the pattern add up to exactly 1.",
                "The softmax does that, scaled or not."),
            Quiz.Right("The spread of q·k grows like √d_head; unscaled, the softmax saturates.",
                "For q and k with independent components of mean 0 and variance 1, each product q_i·k_i has variance 1, so q·k, a sum of d_head of them, has standard deviation √d_head. Large scores push the softmax towards one-hot, where its gradients vanish; dividing by √d_head brings the spread back to about 1, whatever the head width.")),

        () => Quiz.Question("In `softmax(Q·Kᵀ / √d_head + mask) · V`, which vectors are mixed into a head's output?",
            Quiz.Wrong("The queries.", "A query only decides where to look; it is not passed on."),
            Quiz.Wrong("The keys.", "Keys are matched against queries to make the scores; they are not passed on."),
            Quiz.Right("The values.", "The output for a token is the pattern-weighted average of the values of the tokens it attends to: what they carry."),
            Quiz.Wrong("The scores.", "The scores become the weights, not the content.")),

        () => Quiz.Question("What does the causal mask do in GPT-2?",
            Quiz.Right("It sets later tokens' scores to −∞, so a token sees only itself and the past.",
                "exp(−∞) = 0, so after the softmax a token's weights cover only itself and the tokens before it. Training to predict the next token needs exactly that."),
            Quiz.Wrong("It hides padding tokens, so that texts of different lengths line up.",
                "That is a padding mask; a single unpadded text needs none."),
            Quiz.Wrong("It sets the scores of later tokens to 0 before the softmax, so they get no weight.",
                "A score of 0 still becomes exp(0) = 1: the future token would keep weight. It has to be −∞."),
            Quiz.Wrong("It switches off random heads during training, as dropout does.",
                "That would be dropout, not a mask on the scores.")),

        () => Quiz.Question("How are the outputs of a layer's heads combined?",
            Quiz.Wrong("Averaged, so that each head gets an equal say in the output.",
                "They are not averaged: each head keeps its own projection."),
            Quiz.Right("Concatenated and projected by W_O: a sum of what each head writes.",
                "Placed side by side and multiplied by W_O, which equals the sum of what each head writes through its own rows of W_O. So each head adds its own contribution to the residual stream, which is why a single head can be switched off and studied."),
            Quiz.Wrong("Only the head with the highest score is kept; the others are dropped.",
                "All heads contribute, every time."),
            Quiz.Wrong("Multiplied together element-wise, so that every head must agree.",
                "The combination is linear: concatenate, then project.")),

        () => Quiz.Question("Why is it correct to reuse cached keys and values when generating the next token?",
            Quiz.Right("Earlier tokens never attend to later ones, so their keys and values stay the same.",
                "Because of the causal mask, each position depends only on itself and the positions before it, so everything computed for earlier positions stays valid."),
            Quiz.Wrong("It is an approximation: the logits differ a little, too little to matter in practice.",
                "It is exact: the KV-cache section's check gives the same logits as recomputing everything (up to float rounding)."),
            Quiz.Wrong("The keys and values are the same for every token, so one copy is enough.",
                "They differ per token; they just do not change once computed."),
            Quiz.Wrong("The model's weights are frozen during generation, so nothing can change.",
                "Frozen weights are necessary but not enough: without the causal mask, earlier tokens would attend to new ones and their values would change.")),

        () => Quiz.Question("You zero one head's output and the prediction hardly changes. What can you conclude?",
            Quiz.Wrong("The head does nothing at all, for any input, and could be removed.",
                "It may matter for other texts or other positions, or its work may be duplicated by other heads."),
            Quiz.Wrong("Its attention pattern must be spread evenly over all the tokens it can see.",
                "A head can look somewhere very specific and still not matter for this prediction."),
            Quiz.Right("This prediction does not rely on that head alone; others may do the same job.",
                "Ablation measures an effect on one output. Redundancy between heads is common, so a small effect is not proof of uselessness."),
            Quiz.Wrong("The KV cache was stale, so the ablated run reused the old keys and values instead.",
                "Ablation and the cache are unrelated; RunWithHooks runs without a cache.")),
    ];
}
