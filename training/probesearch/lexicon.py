"""Words the synthetic captions use: names of the 80 detector classes and their synonyms,
count words, relation, size and negation phrases, group words, and scene words defined by
the objects that make them visible.

Every phrase any caption template can emit lives here, so `vocabulary_words()` is complete by
construction (a test tokenises thousands of generated captions to check it)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .labels import COCO_LABELS

CLASS_INDEX = {name: i for i, name in enumerate(COCO_LABELS)}


@dataclass(frozen=True)
class Noun:
    """One way to name a thing: singular and plural surface forms. `singular` is None for
    plural-only words (scissors, skis: "a pair of scissors"); `plural` is None for mass nouns
    (broccoli, luggage), which take no number."""

    singular: str | None
    plural: str | None


def _n(singular: str | None, plural: str | None = "") -> Noun:
    """Regular plural by default (+s / +es); pass plural explicitly for the rest."""
    if plural == "" and singular is not None:
        plural = singular + ("es" if re.search(r"(s|sh|ch|x)$", singular) else "s")
    return Noun(singular, plural)


# Per class: the canonical label first, then synonyms a real COCO caption uses for that object.
CLASS_NOUNS: dict[str, tuple[Noun, ...]] = {
    "person": (_n("person", "people"), _n("man", "men"), _n("woman", "women"),
               _n("child", "children"), _n("kid"), _n("guy"), _n("girl"), _n("boy"),
               _n("lady", "ladies"), _n("adult")),
    "bicycle": (_n("bicycle"), _n("bike"), _n("cycle")),
    "car": (_n("car"), _n("automobile"), _n("vehicle"), _n("taxi")),
    "motorcycle": (_n("motorcycle"), _n("motorbike"), _n("scooter"), _n("moped")),
    "airplane": (_n("airplane"), _n("plane"), _n("jet"), _n("aircraft", "aircraft"),
                 _n("airliner"), _n("aeroplane")),
    "bus": (_n("bus", "buses"), _n("city bus", "city buses"), _n("double decker bus", "double decker buses")),
    "train": (_n("train"), _n("locomotive"), _n("subway train"), _n("passenger train")),
    "truck": (_n("truck"), _n("pickup truck"), _n("lorry", "lorries"), _n("van")),
    "boat": (_n("boat"), _n("ship"), _n("sailboat"), _n("canoe"), _n("kayak"), _n("yacht")),
    "traffic light": (_n("traffic light"), _n("stop light"), _n("traffic signal")),
    "fire hydrant": (_n("fire hydrant"), _n("hydrant")),
    "stop sign": (_n("stop sign"),),
    "parking meter": (_n("parking meter"), _n("meter")),
    "bench": (_n("bench", "benches"), _n("park bench", "park benches")),
    "bird": (_n("bird"), _n("pigeon"), _n("seagull"), _n("duck")),
    "cat": (_n("cat"), _n("kitten"), _n("kitty", "kitties")),
    "dog": (_n("dog"), _n("puppy", "puppies"), _n("pup")),
    "horse": (_n("horse"), _n("pony", "ponies")),
    "sheep": (_n("sheep", "sheep"), _n("lamb")),
    "cow": (_n("cow"), _n("calf", "calves"), _n("bull"), _n(None, "cattle")),
    "elephant": (_n("elephant"),),
    "bear": (_n("bear"), _n("polar bear"), _n("panda bear"), _n("brown bear")),
    "zebra": (_n("zebra"),),
    "giraffe": (_n("giraffe"),),
    "backpack": (_n("backpack"), _n("rucksack")),
    "umbrella": (_n("umbrella"), _n("parasol")),
    "handbag": (_n("handbag"), _n("purse"), _n("bag")),
    "tie": (_n("tie"), _n("necktie")),
    "suitcase": (_n("suitcase"), _n("luggage", None)),
    "frisbee": (_n("frisbee"),),
    "skis": (_n(None, "skis"), _n("ski")),
    "snowboard": (_n("snowboard"),),
    "sports ball": (_n("ball"), _n("soccer ball"), _n("football")),
    "kite": (_n("kite"),),
    "baseball bat": (_n("baseball bat"), _n("bat")),
    "baseball glove": (_n("baseball glove"), _n("glove"), _n("mitt")),
    "skateboard": (_n("skateboard"), _n("skate board")),
    "surfboard": (_n("surfboard"), _n("surf board")),
    "tennis racket": (_n("tennis racket"), _n("racket"), _n("racquet")),
    "bottle": (_n("bottle"), _n("water bottle"), _n("beer bottle")),
    "wine glass": (_n("wine glass", "wine glasses"), _n("glass", "glasses")),
    "cup": (_n("cup"), _n("mug"), _n("coffee cup")),
    "fork": (_n("fork"),),
    "knife": (_n("knife", "knives"),),
    "spoon": (_n("spoon"),),
    "bowl": (_n("bowl"),),
    "banana": (_n("banana"),),
    "apple": (_n("apple"),),
    "sandwich": (_n("sandwich", "sandwiches"), _n("sub")),
    "orange": (_n("orange"),),
    "broccoli": (_n("broccoli", None),),
    "carrot": (_n("carrot"),),
    "hot dog": (_n("hot dog"), _n("hotdog")),
    "pizza": (_n("pizza"),),
    "donut": (_n("donut"), _n("doughnut")),
    "cake": (_n("cake"), _n("cupcake")),
    "chair": (_n("chair"), _n("stool")),
    "couch": (_n("couch", "couches"), _n("sofa")),
    "potted plant": (_n("potted plant"), _n("plant"), _n("houseplant")),
    "bed": (_n("bed"),),
    "dining table": (_n("dining table"), _n("table"), _n("kitchen table")),
    "toilet": (_n("toilet"),),
    "tv": (_n("tv"), _n("television"), _n("monitor"), _n("tv screen")),
    "laptop": (_n("laptop"), _n("laptop computer"), _n("computer")),
    "mouse": (_n("mouse", "mice"), _n("computer mouse", "computer mice")),
    "remote": (_n("remote"), _n("remote control"), _n("controller")),
    "keyboard": (_n("keyboard"),),
    "cell phone": (_n("cell phone"), _n("phone"), _n("cellphone"), _n("smartphone"), _n("mobile phone")),
    "microwave": (_n("microwave"), _n("microwave oven")),
    "oven": (_n("oven"), _n("stove"), _n("stove top")),
    "toaster": (_n("toaster"),),
    "sink": (_n("sink"),),
    "refrigerator": (_n("refrigerator"), _n("fridge")),
    "book": (_n("book"),),
    "clock": (_n("clock"),),
    "vase": (_n("vase"), _n("flower vase")),
    "scissors": (_n(None, "scissors"),),
    "teddy bear": (_n("teddy bear"), _n("stuffed bear"), _n("stuffed animal")),
    "hair drier": (_n("hair drier"), _n("hair dryer"), _n("blow dryer")),
    "toothbrush": (_n("toothbrush", "toothbrushes"),),
}
assert set(CLASS_NOUNS) == set(COCO_LABELS)

# Names that only sound right when the object that explains them is in the layout ("a skier"
# needs skis, "a tennis ball" a racket). Truth never depends on them: each names its class.
CONTEXT_NOUNS: dict[str, tuple[tuple[Noun, tuple[str, ...]], ...]] = {
    "person": (
        (_n("skier"), ("skis",)),
        (_n("snowboarder"), ("snowboard",)),
        (_n("surfer"), ("surfboard",)),
        (_n("skateboarder"), ("skateboard",)),
        (_n("skater"), ("skateboard",)),
        (_n("player"), ("baseball bat", "baseball glove", "tennis racket", "sports ball", "frisbee")),
        (_n("batter"), ("baseball bat",)),
        (_n("tennis player"), ("tennis racket",)),
        (_n("rider"), ("horse", "motorcycle", "bicycle")),
        (_n("cyclist"), ("bicycle",)),
        (_n("chef"), ("oven", "knife")),
        (_n("passenger"), ("train", "bus", "airplane")),
    ),
    "sports ball": (
        (_n("tennis ball"), ("tennis racket",)),
        (_n("baseball"), ("baseball bat", "baseball glove")),
    ),
}

# Words naming a set of classes. A caption with a group word is about the union of the set.
GROUP_NOUNS: dict[str, tuple[Noun, tuple[str, ...]]] = {
    "food": (_n("food", None), ("banana", "apple", "sandwich", "orange", "broccoli", "carrot",
                                "hot dog", "pizza", "donut", "cake")),
    "fruit": (_n("fruit", None), ("banana", "apple", "orange")),
    "vegetables": (_n(None, "vegetables"), ("broccoli", "carrot")),
    "animal": (_n("animal"), ("bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear",
                              "zebra", "giraffe")),
    "vehicle": (_n("vehicle"), ("bicycle", "car", "motorcycle", "bus", "truck")),
    "silverware": (_n("silverware", None), ("fork", "knife", "spoon")),
    "utensil": (_n("utensil"), ("fork", "knife", "spoon")),
    "dishes": (_n(None, "dishes"), ("bowl", "cup", "wine glass")),
    "furniture": (_n("furniture", None), ("chair", "couch", "bed", "dining table", "bench")),
    "pet": (_n("pet"), ("cat", "dog")),
    "livestock": (_n("livestock", None), ("horse", "sheep", "cow")),
    "luggage": (_n("bag"), ("backpack", "handbag", "suitcase")),
}

# Collective nouns: "a herd of cows". Each may only be used with the classes listed.
COLLECTIVES: dict[str, tuple[str, ...]] = {
    "a herd of": ("cow", "sheep", "elephant", "zebra", "giraffe", "horse"),
    "a flock of": ("bird", "sheep"),
    "a crowd of": ("person",),
    "a team of": ("person",),
    "a fleet of": ("car", "bus", "truck", "airplane", "boat"),
    "a stack of": ("book", "suitcase"),
    "a pile of": ("book", "suitcase", "banana", "orange", "apple", "donut"),
    "a bunch of": ("banana", "book", "person", "apple", "orange", "donut", "umbrella", "kite"),
}


@dataclass(frozen=True)
class CountWord:
    """A count phrase and the ground-truth counts it is true for: lo <= n <= hi (hi None =
    no upper bound). This table is THE definition of what count words mean."""

    phrase: str
    lo: int
    hi: int | None
    plural: bool  # does the noun take its plural form after this phrase


# "a"/"an" in an object caption means "at least one" (existential, like a real caption: "a
# dog on a couch" stays true if there is a second dog). "one"/"a single"/"only one" mean exactly
# one. Digits and number words are exact counts of what the layout contains.
EXISTENTIAL = CountWord("a", 1, None, False)
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
EXACT_ONE = (CountWord("one", 1, 1, False), CountWord("a single", 1, 1, False),
             CountWord("only one", 1, 1, False), CountWord("just one", 1, 1, False))
EXACT_TWO = (CountWord("a pair of", 2, 2, True), CountWord("a couple of", 2, 2, True))
VAGUE_COUNTS = (
    CountWord("some", 2, None, True),        # "some dogs": more than one
    CountWord("a few", 2, 4, True),
    CountWord("several", 3, None, True),
    CountWord("a group of", 3, None, True),
    CountWord("multiple", 2, None, True),
    CountWord("many", 5, None, True),
    CountWord("lots of", 5, None, True),
    CountWord("a lot of", 5, None, True),
)
COLLECTIVE_RANGE = (3, None)  # "a herd of cows" etc. mean 3 or more
MAX_SPELLED = 6  # number words up to "six"; above that, digits


def exact_count_phrases(n: int) -> list[CountWord]:
    """Every phrase that states exactly n."""
    words = [CountWord(str(n), n, n, n != 1)]
    if n <= MAX_SPELLED:
        words.append(CountWord(NUMBER_WORDS[n], n, n, n != 1))
    if n == 1:
        words.extend(EXACT_ONE)
    if n == 2:
        words.extend(EXACT_TWO)
    return words


# Relations that box geometry can decide (definitions live in synth.RELATION_TESTS).
# "in front of"/"behind" need depth, which a box cannot tell: left out on purpose. "holding" is
# judged from overlap alone (the thing's centre at a person's hands), a rough but useful proxy.
RELATION_PHRASES: dict[str, tuple[str, ...]] = {
    "left_of": ("to the left of", "left of", "on the left of"),
    "right_of": ("to the right of", "right of", "on the right of"),
    "above": ("above", "over"),
    "below": ("below", "under", "underneath", "beneath"),
    "next_to": ("next to", "beside", "near", "by", "alongside"),
    "on": ("on", "on top of", "sitting on", "riding", "standing on"),
    "holding": ("holding", "carrying"),
}
# "above"/"below" read naturally only with something up high (sky, walls) or something low that
# things sit over (tables, beds); "horses under a car" is true of boxes at different depths but
# no one would say it. Captions use above/below only when the upper object is in UPPER_THINGS or
# the lower one in LOWER_THINGS.
UPPER_THINGS = ("kite", "bird", "airplane", "traffic light", "clock", "tv", "sports ball", "frisbee",
                "umbrella", "stop sign", "microwave", "giraffe")
LOWER_THINGS = ("dining table", "bench", "bed", "couch", "sink", "toilet", "oven", "chair", "bowl",
                "skateboard", "surfboard", "snowboard", "skis", "keyboard")
# Things a caption says a person is "holding" (truth is geometry: see synth._holding).
HOLDABLE = ("cell phone", "cup", "umbrella", "knife", "tennis racket", "baseball bat", "frisbee", "surfboard",
            "skateboard", "handbag", "bottle", "wine glass", "book", "remote", "teddy bear", "scissors",
            "toothbrush", "donut", "hot dog", "sandwich", "pizza", "banana", "apple", "kite", "suitcase",
            "laptop", "baseball glove", "snowboard", "skis", "fork", "spoon", "bowl", "orange", "hair drier")
# Phrasings of "on" that only fit some supports ("riding a horse", not "riding a table").
# Things another object can sensibly be "on" (captions only use `on` with these; truth is geometry).
ON_SUPPORTS = ("bicycle", "motorcycle", "horse", "surfboard", "skateboard", "elephant", "snowboard", "skis",
               "bench", "chair", "couch", "bed", "dining table", "toilet", "suitcase", "boat", "bowl", "sink",
               "oven", "microwave", "refrigerator", "laptop", "keyboard")
ON_RIDE_SUPPORTS = ("bicycle", "motorcycle", "horse", "surfboard", "skateboard", "elephant", "snowboard", "skis")
ON_SIT_SUPPORTS = ("bench", "chair", "couch", "bed", "toilet", "motorcycle", "bicycle", "horse", "suitcase")
ON_STAND_SUPPORTS = ("surfboard", "skateboard", "snowboard", "skis", "bench", "boat")

SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "large": ("large", "big", "huge"),
    "small": ("small", "little", "tiny"),
}

# Negation: "a street without cars", "a kitchen and no people", "there are no dogs",
# "without any food", "an empty bench" (= a bench and no person in the photo).
NEGATION = {
    "without": ("without", "with no", "and no"),
    "there_is_no": ("there is no", "there are no"),
    "any": ("any",),
    "empty": ("an empty", "empty"),
}

CONJUNCTIONS = ("and", "with", "along with", "together with", "as well as")

# Openers and fillers real captions use. Participles describe nothing the model can check
# (posture, motion); they are style only and never enter a caption's logical form.
OPENERS = ("a photo of", "a picture of", "an image of", "a view of", "a close up of", "there is",
           "there are", "this is", "here is")
PARTICIPLES: dict[str, tuple[str, ...]] = {
    "person": ("standing", "sitting", "posing", "walking"),
    "animal": ("standing", "walking", "grazing", "resting"),
    "pet": ("sitting", "laying", "lying", "playing", "resting"),
    "vehicle": ("parked", "driving", "traveling", "waiting"),
    "object": ("sitting", "placed", "shown", "displayed"),
}
PLACE_PREPS = ("in", "at", "on", "inside")
SCENE_LINKS = ("with", "that has", "containing", "featuring")
THE = ("the",)
BE = ("is", "are")
EACH_OTHER = ("next to each other", "side by side", "together")


@dataclass(frozen=True)
class SceneDef:
    """A scene word as a statement about visible objects: true when ANY alternative holds and
    no `forbidden` class is present. An alternative maps a class name, or a tuple of class
    names whose counts add up, to the minimum count needed."""

    alternatives: tuple[dict[str | tuple[str, ...], int], ...]
    forbidden: tuple[str, ...] = ()
    article: str = "a"  # "a kitchen", "an airport", "the beach"... ("" = bare: "snow")
    preposition: str = "in"  # "in a kitchen", "on a street", "at an airport"


_ROAD = ("car", "bus", "truck", "motorcycle")
SCENES: dict[str, SceneDef] = {
    "kitchen": SceneDef(({"oven": 1}, {"refrigerator": 1}, {"microwave": 1}, {"toaster": 1},
                         {"sink": 1, "knife": 1}, {"sink": 1, "bowl": 1}), ("toilet", "bed")),
    "bathroom": SceneDef(({"toilet": 1}, {"sink": 1, "toothbrush": 1}, {"hair drier": 1}),
                         ("oven", "refrigerator", "bed")),
    "bedroom": SceneDef(({"bed": 1},)),
    "living room": SceneDef(({"couch": 1}, {"tv": 1, "remote": 1}), ("bed", "toilet", "oven")),
    "office": SceneDef(({"laptop": 1}, {"keyboard": 1}, {"mouse": 1}), article="an"),
    "desk": SceneDef(({"laptop": 1}, {"keyboard": 1}, {"mouse": 1}), preposition="at"),
    "meal": SceneDef(({"dining table": 1, ("banana", "apple", "sandwich", "orange", "broccoli",
                                           "carrot", "hot dog", "pizza", "donut", "cake"): 1},),
                     preposition="at"),
    "restaurant": SceneDef(({"dining table": 1, "wine glass": 1}, {"dining table": 1, "pizza": 1}),
                           preposition="at"),
    "street": SceneDef(({_ROAD: 1}, {"traffic light": 1}, {"stop sign": 1}, {"fire hydrant": 1},
                        {"parking meter": 1}), ("bed", "couch", "toilet", "oven", "refrigerator"),
                       preposition="on"),
    "road": SceneDef(({_ROAD: 1}, {"traffic light": 1}), ("bed", "couch", "toilet", "oven"),
                     preposition="on"),
    "city": SceneDef(({"bus": 1}, {"traffic light": 1}, {_ROAD: 3}, {"parking meter": 1}),
                     ("bed", "couch", "toilet", "oven"), article="the"),
    "traffic": SceneDef(({("car", "bus", "truck"): 3},), article="", preposition="in"),
    "beach": SceneDef(({"surfboard": 1}, {"umbrella": 1, "kite": 1}), article="the", preposition="on"),
    "ocean": SceneDef(({"surfboard": 1}, {"boat": 1}), article="the"),
    "waves": SceneDef(({"surfboard": 1},), article="the"),
    "water": SceneDef(({"surfboard": 1}, {"boat": 1}), article="the", preposition="on"),
    "harbor": SceneDef(({"boat": 2},), article="a"),
    "snow": SceneDef(({"skis": 1}, {"snowboard": 1}), article="the"),
    "ski slope": SceneDef(({"skis": 1}, {"snowboard": 1}), preposition="on"),
    "mountain": SceneDef(({"skis": 1}, {"snowboard": 1}), preposition="on"),
    "airport": SceneDef(({"airplane": 1},), article="an", preposition="at"),
    "runway": SceneDef(({"airplane": 1},), preposition="on"),
    "train station": SceneDef(({"train": 1},), preposition="at"),
    "tracks": SceneDef(({"train": 1},), article="the", preposition="on"),
    "farm": SceneDef(({"cow": 1}, {"sheep": 1}, {"horse": 1}), preposition="on"),
    "pasture": SceneDef(({"cow": 1}, {"sheep": 1}, {"horse": 1})),
    "zoo": SceneDef(({"giraffe": 1}, {"zebra": 1}, {"elephant": 1}, {"bear": 1}), preposition="at"),
    "savanna": SceneDef(({"giraffe": 1}, {"zebra": 1}, {"elephant": 1}), article="the"),
    "wild": SceneDef(({"giraffe": 1}, {"zebra": 1}, {"elephant": 1}, {"bear": 1}), article="the"),
    "baseball game": SceneDef(({"baseball bat": 1}, {"baseball glove": 1}), preposition="at"),
    "baseball field": SceneDef(({"baseball bat": 1}, {"baseball glove": 1}), preposition="on"),
    "tennis court": SceneDef(({"tennis racket": 1},), preposition="on"),
    "tennis match": SceneDef(({"tennis racket": 1},), preposition="at"),
    "park": SceneDef(({"bench": 1}, {"frisbee": 1}, {"kite": 1}),
                     ("oven", "refrigerator", "toilet", "bed", "couch", "tv"), preposition="in"),
    "field": SceneDef(({"sports ball": 1, "person": 1}, {"frisbee": 1}, {"kite": 1}, {"cow": 1},
                       {"sheep": 1}, {"horse": 1}, {"baseball bat": 1}),
                      ("oven", "refrigerator", "toilet", "bed", "couch", "tv"), preposition="in"),
    "skate park": SceneDef(({"skateboard": 1},), preposition="at"),
    "sky": SceneDef(({"kite": 1}, {"airplane": 1}), article="the"),
    "bookshelf": SceneDef(({"book": 5},), preposition="on"),
    "library": SceneDef(({"book": 8},)),
    "party": SceneDef(({"cake": 1, "person": 2}, {"wine glass": 3}), preposition="at"),
    "crowd": SceneDef(({"person": 6},), preposition="in"),
}

def scene_classes(name: str) -> set[str]:
    """Every class a scene's definition mentions (for choosing scene captions)."""
    found: set[str] = set()
    for alternative in SCENES[name].alternatives:
        for key, minimum in alternative.items():
            found.update((key,) if isinstance(key, str) else key)
    return found


def article_for(phrase: str) -> str:
    """'a' or 'an' for the word that follows."""
    return "an" if re.match(r"[aeiou]", phrase) and not phrase.startswith(("uni", "eu", "one")) else "a"


def _phrases() -> list[str]:
    """Every literal phrase above (class nouns, count words, relations...)."""
    out: list[str] = list(COCO_LABELS)
    for nouns in CLASS_NOUNS.values():
        out += [w for noun in nouns for w in (noun.singular, noun.plural) if w]
    for noun, _ in [c for cs in CONTEXT_NOUNS.values() for c in cs] + list(GROUP_NOUNS.values()):
        out += [w for w in (noun.singular, noun.plural) if w]
    out += list(COLLECTIVES) + list(NUMBER_WORDS) + [EXISTENTIAL.phrase, "an"]
    out += [c.phrase for c in EXACT_ONE + EXACT_TWO + VAGUE_COUNTS]
    out += [p for group in (RELATION_PHRASES, SIZE_WORDS, NEGATION, PARTICIPLES) for ps in group.values() for p in ps]
    out += list(CONJUNCTIONS + OPENERS + PLACE_PREPS + SCENE_LINKS + THE + BE + EACH_OTHER)
    out += list(SCENES) + [s.article for s in SCENES.values()] + [s.preposition for s in SCENES.values()]
    return out


def vocabulary_words() -> set[str]:
    """Every lowercase word ([a-z]+) that any caption template can emit. Digits are not words:
    the tokenizer handles them separately."""
    return {w for phrase in _phrases() for w in re.findall(r"[a-z]+", phrase.lower())}
