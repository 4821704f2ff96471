/// Short English prompts for generated chat traffic. The default model was trained on
/// TinyStories, so story starters give it text it can continue sensibly; a few questions mix in
/// the shape of chat requests.
public enum PromptLibrary {
    public static let chat: [String] = [
        "Once upon a time, there was a little girl named Lily.",
        "Once upon a time, a small dog found a red ball in the park.",
        "Tom and his mom went to the store to buy some apples.",
        "One day, a big bear woke up and felt very hungry.",
        "The sun was shining and the birds were singing in the tall tree.",
        "Sam had a toy car that he loved more than anything.",
        "There was a kind old man who lived next to a river.",
        "Mia wanted to fly a kite, but the wind was too weak.",
        "A little fish swam far away from its home.",
        "Ben saw a shiny rock and put it in his pocket.",
        "The cat and the mouse were best friends.",
        "It was raining, so Anna and her brother played inside.",
        "Once upon a time, there was a brave knight who was afraid of the dark.",
        "Lucy found a box under her bed. Inside the box was",
        "The farmer had three cows, two pigs and one very loud rooster.",
        "Max did not want to go to bed, because",
        "A tiny bird could not find its mother.",
        "The children built a big castle out of sand.",
        "Tell me a story about a dragon who liked to bake.",
        "Write a short story about a boy and his friendly robot.",
        "What happened when the frog met the princess?",
        "Tell me a story about a girl who wanted to see the moon.",
        "Why was the little rabbit so happy today?",
        "Write a story about two friends who share a cookie.",
        "Once upon a time, in a small town, there lived a funny clown.",
        "The duck went for a walk and met a new friend.",
        "Emma lost her favorite doll at the beach.",
        "The little train had to climb a very big hill.",
        "Jack and Jill went up the hill to look at the stars.",
        "One morning, the flowers in the garden started to talk.",
        "Tell me a story about a snowman who did not want to melt.",
        "Once upon a time, a bunny wanted to learn how to swim.",
    ]

    /// Users that send the short chat prompts.
    public static let chatUsers = ["alice", "bob", "carol", "dave", "erin"]
    /// Users that send the long prompts of a storm (document readers, summarizers).
    public static let longPromptUsers = ["summarizer", "doc-reader"]
}
