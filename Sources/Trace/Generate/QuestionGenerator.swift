/// Varied, real questions for chat traffic on instruct models (`S`, the dashboard's load
/// generator): a small grammar of question shapes with slots filled from word lists, drawn from
/// a seeded source, so the same seed asks the same questions in the same order.
public struct QuestionGenerator {
    private var random: SeededRandom

    public init(seed: UInt64) { random = SeededRandom(seed: seed ^ 0x5155_4553_5449_4f4e) }

    /// The next question.
    public mutating func next() -> String {
        let shape = Self.shapes[random.index(Self.shapes.count)]
        return shape(&random)
    }

    private static func pick(_ list: [String], _ r: inout SeededRandom) -> String { list[r.index(list.count)] }

    private typealias Shape = @Sendable (inout SeededRandom) -> String

    private static let shapes: [Shape] = [
        { r in "What is the capital of \(pick(countries, &r))?" },
        { r in "Explain \(pick(concepts, &r)) in two or three sentences." },
        { r in "Write a haiku about \(pick(things, &r))." },
        { r in "Give me \(pick(counts, &r)) tips for \(pick(activities, &r))." },
        { r in "What is \(12 + r.index(88)) times \(3 + r.index(17))?" },
        { r in "Translate \"\(pick(phrases, &r))\" into \(pick(languages, &r))." },
        { r in "Write a Python function that \(pick(codeTasks, &r))." },
        { r in let (a, b) = pairs[r.index(pairs.count)]; return "What are the main differences between \(a) and \(b)?" },
        { r in "How do I \(pick(howTos, &r))?" },
        { r in "Write a short story about \(pick(characters, &r)) who \(pick(goals, &r))." },
        { r in "Why do \(pick(phenomena, &r))?" },
        { r in "Suggest a dinner I can cook with \(pick(ingredients, &r)), \(pick(ingredients, &r)) and \(pick(pantry, &r))." },
        { r in "List \(pick(counts, &r)) \(pick(categories, &r))." },
        { r in "Is it a good idea to \(pick(decisions, &r))? Give one argument for and one against." },
        { r in "Summarize what \(pick(roles, &r)) does in a typical day." },
        { r in "Convert \(5 + r.index(95)) degrees Celsius to Fahrenheit and show the formula." },
    ]

    private static let countries = ["France", "Japan", "Canada", "Kenya", "Brazil", "Norway", "Egypt", "Australia",
                                    "Mexico", "India", "Portugal", "Vietnam", "Chile", "Poland", "Morocco", "Ireland"]
    private static let concepts = ["how a hash table works", "photosynthesis", "why the sky is blue", "what a prime number is",
                                   "the difference between weather and climate", "compound interest", "how vaccines work",
                                   "what recursion is in programming", "how a bicycle stays upright", "what inflation means",
                                   "how tides are caused by the moon", "what an API is", "how a refrigerator keeps food cold"]
    private static let things = ["autumn leaves", "a rainy Monday", "the ocean at night", "a cup of coffee", "a city at dawn",
                                 "an old library", "the first snow", "a busy train station", "a sleeping cat", "a mountain lake"]
    private static let counts = ["three", "four", "five"]
    private static let activities = ["sleeping better", "learning a new language", "staying focused when working from home",
                                     "saving money on groceries", "running a first 5 km race", "keeping houseplants alive",
                                     "giving a short presentation", "writing clear emails", "studying for an exam"]
    private static let phrases = ["good morning", "where is the train station", "thank you very much", "I would like a coffee",
                                  "how much does this cost", "see you tomorrow", "the weather is nice today"]
    private static let languages = ["French", "Spanish", "German", "Italian"]
    private static let codeTasks = ["reverses a string", "checks whether a number is prime", "counts the words in a sentence",
                                    "returns the largest number in a list", "removes duplicates from a list while keeping order",
                                    "converts a temperature from Celsius to Fahrenheit", "checks whether a word is a palindrome"]
    private static let pairs = [("a cat", "a dog"), ("tea", "coffee"), ("Python", "JavaScript"), ("a virus", "a bacterium"),
                                ("weather", "climate"), ("a lake", "a sea"), ("RAM", "a hard disk"), ("a crocodile", "an alligator")]
    private static let howTos = ["boil an egg", "fix a flat tire on a bicycle", "make a simple monthly budget",
                                 "write a polite email asking for a day off", "start learning to draw", "plant tomatoes",
                                 "prepare for a job interview", "clean a cast iron pan"]
    private static let characters = ["a lighthouse keeper", "a curious robot", "a young baker", "an old fisherman",
                                      "a shy dragon", "a girl with a box of old maps", "a retired astronaut"]
    private static let goals = ["wants to see snow for the first time", "finds a mysterious key", "loses their voice before a concert",
                                "tries to win a baking contest", "gets lost in a big city", "befriends a talking crow"]
    private static let phenomena = ["leaves change color in autumn", "cats purr", "we have leap years",
                                    "planes leave white trails in the sky", "onions make us cry", "stars twinkle",
                                    "bread go stale", "our ears pop on airplanes"]
    private static let ingredients = ["rice", "chickpeas", "spinach", "eggs", "tomatoes", "potatoes", "mushrooms", "lentils"]
    private static let pantry = ["garlic", "lemon", "cheese", "onions", "yogurt", "olive oil"]
    private static let categories = ["fruits that are rich in vitamin C", "famous bridges", "board games for families",
                                     "ways to reduce plastic waste", "programming languages and what they are used for",
                                     "healthy breakfast ideas", "birds that cannot fly"]
    private static let decisions = ["learn two languages at once", "buy a used car instead of a new one", "work at night",
                                    "read the news every morning", "adopt a puppy in a small apartment"]
    private static let roles = ["an air traffic controller", "a nurse", "a software engineer", "a park ranger",
                                "a librarian", "a baker", "a train driver"]
}
