"""Word lists: everyday Danish and English words, language markers, first names, places.

The lists serve two purposes. Language detection counts the markers. The name finder treats
every known word as "not a name", which is what lets it accept a lowercase "mette" after
"find" but not "leads" after "find"; the lists therefore lean towards words staff write in
chat. All entries are lowercase.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text block (keeps long lists readable)."""
    return frozenset(text.split())


# Words that are (almost) only Danish. "i", "to", "for", "send", "book", "find" are missing on
# purpose: they are just as English.
DA_MARKERS: frozenset[str] = word_set(
    """
    og jeg du han hun vi de det den der er var være været bliver blive blev har have havde
    kan kunne skal skulle vil ville må gør gøre får få på til med af fra om efter før hos
    uden ikke ja nej også men eller så som hvis når da fordi hvad hvem hvor hvordan hvornår
    hvilken hvilke hvorfor mig dig ham hende os jer dem min mit mine din dit dine sin sit
    sine hans hendes vores jeres deres sig selv alle alt andre nogen noget nogle ingen mange
    mere meget lidt hver nu snart lige bare godt fint gerne tak hej hejsa venlig hilsen
    mvh kære tid tider dag dage uge uger måned år morgen aften næste sidste denne dette kunde
    kunden kunder tilbud tilbuddet pris prisen koster lav skriv svar sende vis slå tjek ring
    besked udkast udkastet kladde rengøring ledig ledige ledigt kalenderen adresse navn ny nyt
    nye lille stor klokken kl værelser værelse lejlighed hus ovn køleskab vinduer et en en
    komme kommer hjælp jo jep nok vel allerede stadig endnu igen tilbage ind op ned først
    senere tidligere snarest hurtigt gang gange hvem venligst dag mandag tirsdag onsdag
    torsdag fredag lørdag søndag idag imorgen overmorgen læg sæt annuller glem godkend
    """
)

EN_MARKERS: frozenset[str] = word_set(
    """
    the a an and or but if of in on from with about into after before between without
    not no yes please thanks thank you me my we us our your he him his she they them
    their it its this that these those there what who which where when why how can could
    would should will shall may might must do does did done have has had be is are was were
    been get got make let write reply search look show see check schedule quote price cost
    much many more most some any all each every other new next last week day days month
    today tomorrow times hours slot slots free available availability customer
    client email message draft details status cleaning clean move moving out deep regular
    office windows window oven fridge rooms room square meters metres house apartment flat
    also just only very really still yet again back now soon later early morning afternoon
    evening hi hello hey dear regards sure great good help monday tuesday wednesday thursday
    friday saturday sunday don't i'm it's i'd we're can't won't
    """
)

# Known words that are neither marker list's business but are never names.
_OTHER_COMMON = word_set(
    """
    i at a is as be to for send book find ok okay tom else line liv sus jeps yep nope hm fint
    super perfekt sure ikk ik
    leads lead leadet leadets kundens kunderne mail mailen mails e-mail emailen email emails
    beskeden sendt send sende sender afsend afsende booke booker booking bookingen bookinger
    søg søge søger søgning finde finder fandt vise viser detaljer status info information
    tjekke ringe ringede skrev skrevet svare svaret svarede reserver reservér kalender
    kalenderen tilbage tidlig sent gammel gamle første anden andet tredje ca cirka omkring
    m2 kvm kvadratmeter rum villa kontor kontoret vinduerne ovnen køleskabet afkalkning
    ekstra inkl inklusiv plus ud ude inde hjem hjemme oppe nede mellem mod gennem ved over
    under inden sidst morges formiddag eftermiddag aftes weekend weekenden ugen måneden året
    dagen kl. per bo jan mark storm sol will may bill grace rose june april august dec
    wrote written sent replied called named hedder navn navnet kalder ved kender kendt
    customer's customers clients client's quotes prices booking's lead's bookings drafts
    emails messages slots times dates date year years weeks months minutes minute
    tak tusind mange venlige hilsner vh mvh dbh kh rigtig lige nemlig måske sikkert
    okay alright fine kind best thanks regards cheers dear hi direkte straks asap hurtigst
    jeg du han hun vi de dem den det der her hvad hvem hvor
    kan vil skal må bør lad lav laver lave lavet gør gjort giv giver give send tag tager
    tjek check ring call contact kontakt kontakte opret opretter create update opdater
    flyt flytte flytter flyttet slet delete remove fjern ændr ændre change
    uge uger dage dag måned måneder år time timer minutter hours hour days
    kunde kunder tilbud tilbuddet tilbuddene pris priser prisen
    fast faste regular deep standard windows office clean cleaning
    nogle nogen alle hver hvert hele halv halvanden
    """
)

COMMON_WORDS: frozenset[str] = DA_MARKERS | EN_MARKERS | _OTHER_COMMON

# Beginnings of domain words: a word starting with one of these is never a person's name.
DOMAIN_PREFIXES: tuple[str, ...] = (
    "rengør", "flytte", "flytning", "fraflyt", "hovedren", "dybderen", "erhverv", "kontor",
    "vindue", "tilbud", "pris", "kunde", "lead", "mail", "e-mail", "email", "booking", "kalender",
    "ledig", "udkast", "kladde", "clean", "quot", "price", "window", "office", "custom",
    "draft", "værelse", "kvadrat", "køleskab", "afkalk", "weekend", "adresse", "telefon",
    "besked", "opgave", "aftale", "faktura", "abonnement",
)  # fmt: skip

# Common first names of customers (Danish first, then frequent English ones). A capitalised
# one is a name wherever it stands; a lowercase one only after a cue such as "til" or "find".
FIRST_NAMES: frozenset[str] = word_set(
    """
    mette jens lene hanne anne kirsten susanne marianne lone pia tina helle karen inge
    birgitte charlotte camilla louise maria julie sofie ida emma anna laura freja maja line
    sara nanna katrine christina dorthe bente jette lise ulla gitte rikke trine malene heidi
    pernille stine tanja eva birthe grethe vibeke annette connie anja mia signe cecilie
    amalie josefine mathilde clara caroline marie lars peter michael søren niels henrik
    thomas morten martin anders hans jesper rasmus christian mads kasper jakob jacob
    frederik mikkel nikolaj andreas simon jonas emil oliver lucas william noah victor magnus
    mathias kim ole poul bent erik torben steen carsten klaus claus brian kenneth jørgen
    flemming preben allan dennis kristian johannes tobias sebastian alexander daniel david
    philip jonathan benjamin finn knud svend palle rené rene thor kurt bjarne leif aksel
    karl carl johan gustav oscar alfred anton malthe elias liam valdemar esben asger troels
    ulrik uffe vagn lasse kristoffer jeppe mogens per bo jan mark john jane mary james
    robert sarah emily tom paul lisa kathrine karina lotte lise-lotte anne-marie birte
    dorte gurli jytte kamilla sanne sus tove vivi winnie yvonne agnete astrid ellen else
    ester gerda ingrid kaja lærke liv nora olivia silje tilde vera asta aya alma ella birgit
    """
)

# Names ending in s that must keep it ("Jens tilbud" is Jens's quote, not Jen's).
NAMES_ENDING_IN_S: frozenset[str] = word_set(
    """
    jens lars niels hans mads anders thomas rasmus andreas klaus claus johannes tobias
    elias lucas nicolas marcus markus agnes iris doris james chris
    """
)

PLACES: frozenset[str] = word_set(
    """
    aarhus århus randers viby risskov højbjerg brabrand hasle lystrup skejby egå tilst
    hinnerup hadsten hammel skanderborg silkeborg horsens odder grenaa ebeltoft favrskov
    langå hobro viborg vejle odense aalborg københavn copenhagen kbh danmark denmark jylland
    fyn sjælland trige åbyhøj tranbjerg beder malling mårslet skødstrup hornslet
    """
)

# Product, system and company words that appear capitalised in staff chat.
SYSTEM_WORDS: frozenset[str] = word_set(
    """
    renos rendetalje leadmail leadpoint adhelp rengøring.nu gmail google outlook hotmail
    calendar kalender sms pdf ai gpt
    """
)

STREET_SUFFIXES: tuple[str, ...] = (
    "vej", "gade", "allé", "alle", "vænge", "vænget", "stræde", "plads", "torv", "boulevard",
    "parken", "bakken", "toften", "road", "street", "lane", "avenue",
)  # fmt: skip
