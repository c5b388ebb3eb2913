namespace LessonKit.Lessons.Quizzes;

/// <summary>
/// Lesson 2.1's knowledge check, asked in the notebook as <c>Quiz.Ask("2.1", n)</c> (n = the position in this list,
/// from 1). Keep the right answers spread over the letters and not longer than the wrong ones (the tests check both).
/// </summary>
internal static class Lesson21Quiz
{
    public static IReadOnlyList<Func<QuizQuestion>> Questions { get; } =
    [
        () => Quiz.Question("What limits how fast an RNN can be trained on long texts?",
            Quiz.Wrong("It needs more parameters than a Transformer to reach the same quality.",
                "Size is not the problem: an RNN can be small. The problem is the order in which its work must be done."),
            Quiz.Wrong("It cannot use word embeddings, so it has to read raw characters.",
                "RNNs read embedded tokens just as Transformers do."),
            Quiz.Right("Each step needs the previous step's hidden state, so steps run in order.",
                "The chain h_t = f(h_t−1, x_t) forces one step after another, and the past must squeeze through one vector, so long-range information fades too."),
            Quiz.Wrong("It can only read texts of one fixed length, chosen before training starts.",
                "An RNN runs over any length; it just has to do so one step at a time.")),

        () => Quiz.Question("What was the core innovation of \"Attention Is All You Need\" (2017)?",
            Quiz.Right("Attention and feed-forward layers only: no recurrence anywhere in the model.",
                "Every token reads the tokens it may see in one step, and all positions are computed in parallel as matrix products."),
            Quiz.Wrong("Inventing attention, which no neural network had ever used before 2017.",
                "Attention already existed (Bahdanau et al., 2014), added on top of RNNs. The new step was to drop the RNN."),
            Quiz.Wrong("Training on far more text than any language model before it had seen.",
                "The paper's models were trained on standard translation data sets (WMT 2014); the change was the architecture."),
            Quiz.Wrong("Reading single characters instead of words, so that no tokenizer is needed at all.",
                "The paper used subword tokens; tokenization was not its contribution.")),

        () => Quiz.Question("What kind of Transformer is GPT-2?",
            Quiz.Wrong("Encoder-only, like BERT: every token sees the whole text, both ways.",
                "That is BERT's design. GPT-2's causal mask lets a token see only itself and the tokens before it."),
            Quiz.Wrong("Encoder-decoder, like T5: one stack reads, a second stack writes.",
                "GPT-2 has a single stack and no cross-attention."),
            Quiz.Wrong("A recurrent network with an attention layer added on top of it.",
                "There is no recurrence in GPT-2: every position is computed in parallel."),
            Quiz.Right("Decoder-only: one stack of masked self-attention blocks.",
                "Blocks of masked (causal) self-attention and MLPs, trained to predict the next token: the decoder half of the 2017 design, without cross-attention.")),

        () => Quiz.Question("Why does a Transformer need positional encodings?",
            Quiz.Wrong("To tell the model how many tokens the text holds, so it knows where it ends.",
                "The length is known anyway; what is missing is where each token stands."),
            Quiz.Right("Attention ignores order: in one layer, shuffling earlier tokens changes nothing.",
                "A weighted average over a set of tokens does not depend on their order, so one attention layer cannot see it. In a stack of causal layers some order leaks through the mask (section 5's optional check measures it, and Haviv et al., 2022, found that causal models without positions learn some order this way), but GPT-2, like most models, is given the position explicitly: added to each token (sinusoids, a learned table) or built into attention (RoPE, ALiBi)."),
            Quiz.Wrong("To make attention faster, by letting each head skip the tokens that are far away.",
                "They add a little work; they exist to carry order."),
            Quiz.Wrong("To replace the token embeddings, which on their own carry no meaning at all.",
                "They are added to the token embeddings (or applied inside attention), not used instead of them.")),

        () => Quiz.Question("Which sequence is one GPT-2 block?",
            Quiz.Wrong("Attention → add → LayerNorm, then MLP → add → LayerNorm.",
                "That is the 2017 paper's post-LN order. GPT-2 normalizes before each sublayer."),
            Quiz.Wrong("Convolution → pooling, then a dense layer → add to the stream.",
                "Those are the parts of a convolutional network."),
            Quiz.Wrong("LayerNorm → attention → add to the stream; GPT-2 has no MLP.",
                "Every block has an MLP, and it holds about two thirds of the block's parameters."),
            Quiz.Right("LayerNorm → attention → add, then LayerNorm → MLP → add.",
                "Pre-LN: each sublayer reads a normalized copy of the residual stream and adds its output back.")),

        () => Quiz.Question("Why did Transformers scale so well?",
            Quiz.Right("Big matrix products over all positions at once, and a loss that falls predictably.",
                "Parallel training, simple repeated blocks and smooth scaling laws (Kaplan et al., 2020) let people plan ever larger models from small ones."),
            Quiz.Wrong("Attention's cost grows only linearly with the length of the text, not with its square.",
                "Full attention compares every pair of tokens, so its cost grows with the square of the length. Transformers scaled despite that."),
            Quiz.Wrong("Their weights fit in one GPU's memory, however large the model and its data get.",
                "The largest models are split over many GPUs; what scales is that their work splits into big matrix products."),
            Quiz.Wrong("They need far less training data than RNNs, so data never runs short.",
                "They need a lot of it: scaling laws are about parameters and data together.")),

        () => Quiz.Question("In \"The cat sat on the mat because it was tired.\", which queries can use \"tired\" to settle what \"it\" refers to?",
            Quiz.Wrong("The query at ' it', since attention reads every token of the sentence.",
                "' it' sees itself and the tokens before it; ' tired' comes later, so no head at ' it' can read it. (In BERT, which sees both ways, it could.)"),
            Quiz.Right("The queries at ' tired' and the final '.', which come after the clue.",
                "A token sees itself and what came before it. From ' tired' on, a head can read ' it', ' cat' and ' mat' together: that is where the lab measures."),
            Quiz.Wrong("None: in GPT-2 each token attends only to the token just before it.",
                "That describes a previous-token head, one kind among many; other heads read any earlier token."),
            Quiz.Wrong("All of them, because the causal mask applies to the first layer only.",
                "The mask applies in every layer and head: section 3's cell found no weight above the diagonal anywhere.")),

        () => Quiz.Question("One forward pass over a training text of 12 tokens gives how many next-token losses?",
            Quiz.Wrong("One, at the last position; the earlier positions only give the model context.",
                "Every position predicts its next token, and all those predictions come out of the same pass."),
            Quiz.Wrong("Twelve, but computed one after another, as an RNN would do it.",
                "They come out of one pass: the causal mask lets every position be computed at once without seeing the token it must predict."),
            Quiz.Right("Eleven: one per position, but the last, whose next token is not in the text.",
                "Position t predicts token t + 1 from tokens 0 … t, and the mask hides token t + 1 from it; so one pass gives 11 losses, averaged into the training loss. An RNN would need 11 steps, one after another."),
            Quiz.Wrong("None until the model has written a continuation that can be scored.",
                "Training compares each position's prediction with the token that really follows it in the text; nothing is generated.")),
    ];
}
