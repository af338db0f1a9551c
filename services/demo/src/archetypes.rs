//! Industry archetypes: which DB07 codes go with which occupations, and what those jobs plausibly look like
//! (tasks, competences, shifts, physical demand). Occupations are referred to by their ESCO preferred English
//! label, resolved against `data/occupations.tsv`; `esco_titles` must be Danish labels of that occupation (a
//! test checks this), `colloquial` are the words companies actually write in job ads.

pub(crate) struct Job {
    pub occ: &'static str,
    pub esco_titles: &'static [&'static str],
    pub colloquial: &'static [&'static str],
    pub tasks: &'static [&'static str],
    pub competences: &'static [&'static str],
    pub shifts: &'static [&'static [&'static str]],
    pub physical: &'static [&'static str],
    pub danish: &'static [&'static str],
    pub licence: Licence,
    pub weight: u32,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Licence {
    None,
    /// Mentioned as an advantage in some ads, required in few.
    SometimesB,
    RequiredB,
    RequiredC,
    RequiredD,
}

pub(crate) struct Archetype {
    pub key: &'static str,
    pub db07: &'static [&'static str],
    pub weight: u32,
    /// Only plausible outside the dense city centres (forestry, greenhouses).
    pub rural: bool,
    /// Weights for 1-9, 10-49, 50-99 and 100-500 employees.
    pub size: [u32; 4],
    /// Word for "<Surname> <word> ApS" style names.
    pub name_words: &'static [&'static str],
    /// Names for institutions that are not named after an owner; `{street}` and `{city}` are filled in.
    pub institution_names: &'static [&'static str],
    pub blurbs: &'static [&'static str],
    pub jobs: &'static [Job],
}

const DAY: &[&str] = &["day"];
const DAY_EVE: &[&str] = &["day", "evening"];
const EVE: &[&str] = &["evening"];
const NIGHT: &[&str] = &["night"];
const DAY_WE: &[&str] = &["day", "weekend"];
const EVE_WE: &[&str] = &["evening", "weekend"];
const EVE_NIGHT: &[&str] = &["evening", "night"];
const ALL: &[&str] = &["day", "evening", "night", "weekend"];

const SMALL_FIRMS: [u32; 4] = [55, 30, 10, 5];

const WAREHOUSE_WORKER: Job = Job {
    occ: "warehouse worker",
    esco_titles: &["lagermedarbejder", "lagerarbejder", "lagermedhjælper"],
    colloquial: &[
        "Lagermand",
        "Lagerassistent",
        "Lagermedarbejder til plukning",
        "Lagermedarbejder - varemodtagelse",
    ],
    tasks: &[
        "plukning og pakning af ordrer på lageret",
        "varemodtagelse og kontrol af leverancer",
        "opfyldning af lagerreoler",
        "oprydning og orden på lageret",
        "scanning af varer med håndscanner",
        "klargøring af paller til afsendelse",
    ],
    competences: &[
        "lagerarbejde",
        "plukning",
        "håndscanner",
        "kan løfte op til 25 kg",
        "mødestabil",
        "sikkerhed på lager",
        "ordenssans",
    ],
    shifts: &[DAY, DAY, DAY_EVE, EVE, NIGHT, DAY_WE],
    physical: &["medium", "heavy", "heavy"],
    danish: &["none", "basic", "basic", "good"],
    licence: Licence::None,
    weight: 6,
};

const ORDER_PICKER: Job = Job {
    occ: "warehouse order picker",
    esco_titles: &["ordreplukker", "lagerekspedient"],
    colloquial: &[
        "Plukker",
        "Pluk- og pakmedarbejder",
        "Lagerarbejder til pluk",
    ],
    tasks: &[
        "plukning af ordrer efter plukliste på lageret",
        "pakning og mærkning af forsendelser",
        "kørsel med palleløfter",
        "optælling af lagerbeholdning",
    ],
    competences: &[
        "plukning",
        "palleløfter",
        "håndscanner",
        "tempo",
        "samarbejde",
    ],
    shifts: &[DAY, EVE, DAY_EVE, NIGHT],
    physical: &["medium", "heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const FORKLIFT: Job = Job {
    occ: "forklift operator",
    esco_titles: &["gaffeltruckfører"],
    colloquial: &["Truckfører", "Truckfører til lager", "Reachtruckfører"],
    tasks: &[
        "kørsel med gaffeltruck og reachtruck på lageret",
        "af- og pålæsning af lastbiler",
        "placering af paller i højreoler",
        "registrering af varebevægelser",
    ],
    competences: &[
        "truckcertifikat",
        "gaffeltruck",
        "reachtruck",
        "sikkerhed på lager",
        "lagerstyringssystem",
    ],
    shifts: &[DAY, DAY_EVE, EVE, NIGHT],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 2,
};

const PACKER: Job = Job {
    occ: "hand packer",
    esco_titles: &["pakkeriarbejder", "pakkeriassistent"],
    colloquial: &["Pakkemedarbejder", "Pakker", "Pakkeriarbejder på lager"],
    tasks: &[
        "pakning af varer til forsendelse",
        "etikettering og kvalitetskontrol",
        "ompakning af returvarer",
        "betjening af tapemaskine",
    ],
    competences: &[
        "pakning",
        "kvalitetskontrol",
        "finmotorik",
        "tempo",
        "ordenssans",
    ],
    shifts: &[DAY, DAY, EVE, DAY_EVE],
    physical: &["light", "medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 2,
};

const TRUCK_DRIVER: Job = Job {
    occ: "cargo vehicle driver",
    esco_titles: &["lastbilchauffør"],
    colloquial: &["Chauffør", "C-chauffør", "Distributionschauffør"],
    tasks: &[
        "udbringning af varer til butikker og kunder",
        "af- og pålæsning med lift",
        "planlægning af dagens rute",
        "kontrol af køretøjet før afgang",
    ],
    competences: &[
        "kørekort C",
        "chaufføruddannelse",
        "kundeservice",
        "lastsikring",
        "ruteplanlægning",
    ],
    shifts: &[DAY, NIGHT, &["day", "night"]],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::RequiredC,
    weight: 1,
};

const DELIVERY_DRIVER: Job = Job {
    occ: "delivery driver",
    esco_titles: &["chauffør til varelevering", "chauffør - vareudbringning"],
    colloquial: &["Pakkebud", "Budchauffør", "Varebilschauffør"],
    tasks: &[
        "udbringning af pakker til private og erhverv",
        "læsning af varebil på terminalen",
        "scanning af pakker ved levering",
        "kontakt med kunder ved døren",
    ],
    competences: &[
        "kørekort B",
        "kundeservice",
        "stedsans",
        "håndscanner",
        "selvstændighed",
    ],
    shifts: &[DAY, DAY_EVE, DAY_WE],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::RequiredB,
    weight: 2,
};

const KITCHEN_PORTER: Job = Job {
    occ: "kitchen porter",
    esco_titles: &["opvasker", "køkkenmedhjælper"],
    colloquial: &[
        "Opvasker/køkkenhjælp",
        "Køkkenhjælp",
        "Opvasker til aftenvagter",
    ],
    tasks: &[
        "opvask af service og gryder",
        "rengøring af køkken",
        "klargøring af grøntsager",
        "modtagelse af varer",
    ],
    competences: &["opvask", "hygiejne", "tempo", "rengøring", "samarbejde"],
    shifts: &[EVE, EVE_WE, DAY_EVE, DAY],
    physical: &["medium"],
    danish: &["none", "none", "basic"],
    licence: Licence::None,
    weight: 4,
};

const KITCHEN_ASSISTANT: Job = Job {
    occ: "kitchen assistant",
    esco_titles: &["køkkenmedhjælper", "køkkenassistent", "køkkenmedarbejder"],
    colloquial: &[
        "Køkkenhjælper",
        "Medhjælper i køkkenet",
        "Smørrebrødsmedhjælper",
    ],
    tasks: &[
        "madlavning efter opskrift",
        "anretning af mad",
        "opvask og rengøring i køkkenet",
        "klargøring af råvarer",
        "smøring af sandwich og smørrebrød",
    ],
    competences: &[
        "hygiejnebevis",
        "madlavning",
        "hygiejne",
        "samarbejde",
        "tempo",
    ],
    shifts: &[DAY, DAY_EVE, DAY_WE],
    physical: &["light", "medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 3,
};

const WAITER: Job = Job {
    occ: "waiter/waitress",
    esco_titles: &["tjener", "serveringsmedarbejder"],
    colloquial: &[
        "Afrydder",
        "Servicemedarbejder i restaurant",
        "Tjener til weekendvagter",
    ],
    tasks: &[
        "servering for gæsterne",
        "afrydning og opdækning",
        "betjening af kasseapparat",
        "klargøring af restauranten",
    ],
    competences: &[
        "service",
        "kundeservice",
        "smil og godt humør",
        "engelsk",
        "tempo",
    ],
    shifts: &[EVE, EVE_WE, DAY_WE, DAY_EVE],
    physical: &["medium"],
    danish: &["basic", "good", "fluent"],
    licence: Licence::None,
    weight: 3,
};

const COOK: Job = Job {
    occ: "cook",
    esco_titles: &["kok", "faglært kok"],
    colloquial: &["Kokkemedhjælper", "Kok til frokostkøkken"],
    tasks: &[
        "tilberedning af varm mad",
        "planlægning af menuer",
        "bestilling af råvarer",
        "egenkontrol og hygiejne",
    ],
    competences: &[
        "madlavning",
        "hygiejnebevis",
        "egenkontrol",
        "planlægning",
        "råvarekendskab",
    ],
    shifts: &[DAY, DAY_EVE, EVE_WE],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 1,
};

const BARTENDER: Job = Job {
    occ: "bartender",
    esco_titles: &["bartender", "barista"],
    colloquial: &["Barmedarbejder", "Cafémedarbejder"],
    tasks: &[
        "tilberedning af kaffe og drinks",
        "betjening af gæster i baren",
        "oprydning og opvask",
    ],
    competences: &["kundeservice", "kaffebrygning", "kasseapparat", "service"],
    shifts: &[EVE_WE, DAY_WE, EVE],
    physical: &["light", "medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 1,
};

const BUILDING_CLEANER: Job = Job {
    occ: "building cleaner",
    esco_titles: &["rengøringsassistent"],
    colloquial: &[
        "Rengøringsmedarbejder",
        "Rengøringshjælp til erhverv",
        "Rengøringsassistent til kontorer",
        "Erhvervsrengøring",
    ],
    tasks: &[
        "rengøring af kontorer og fællesarealer",
        "gulvvask med maskine",
        "tømning af skraldespande",
        "rengøring af toiletter og køkkener",
        "opfyldning af forbrugsvarer",
    ],
    competences: &[
        "rengøring",
        "rengøringsmaskiner",
        "selvstændighed",
        "ansvarlighed",
        "kendskab til rengøringsmidler",
    ],
    shifts: &[
        DAY,
        EVE,
        &["day", "evening"],
        NIGHT,
        &["evening", "weekend"],
    ],
    physical: &["medium", "medium", "heavy"],
    danish: &["none", "none", "basic"],
    licence: Licence::SometimesB,
    weight: 5,
};

const DOMESTIC_CLEANER: Job = Job {
    occ: "domestic cleaner",
    esco_titles: &["rengøringshjælp", "hushjælp", "rengøringsassistent"],
    colloquial: &["Rengøringshjælp i private hjem", "Privatrengøring"],
    tasks: &[
        "rengøring i private hjem",
        "støvsugning og gulvvask",
        "strygning og vasketøj",
        "pudsning af vinduer indvendigt",
    ],
    competences: &["rengøring", "pålidelighed", "selvstændighed", "diskretion"],
    shifts: &[DAY],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::SometimesB,
    weight: 2,
};

const WINDOW_CLEANER: Job = Job {
    occ: "window cleaner",
    esco_titles: &["vinduespudser"],
    colloquial: &["Vinduespudsermedhjælper"],
    tasks: &[
        "vinduespudsning hos private og erhverv",
        "arbejde fra stige og lift",
        "kørsel mellem kunder",
    ],
    competences: &[
        "vinduespudsning",
        "arbejde i højder",
        "kørekort B",
        "kundeservice",
    ],
    shifts: &[DAY],
    physical: &["medium", "heavy"],
    danish: &["basic"],
    licence: Licence::RequiredB,
    weight: 1,
};

const ROOM_ATTENDANT: Job = Job {
    occ: "room attendant",
    esco_titles: &["stuepige", "rengøringsassistent", "rengøringsmedhjælper"],
    colloquial: &[
        "Housekeeping-medarbejder",
        "Roomattendant",
        "Værelsesrengøring",
    ],
    tasks: &[
        "rengøring og klargøring af hotelværelser",
        "skift af sengetøj og håndklæder",
        "opfyldning af minibar og toiletartikler",
    ],
    competences: &["rengøring", "tempo", "grundighed", "service"],
    shifts: &[DAY, DAY_WE],
    physical: &["medium", "heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const RECEPTIONIST: Job = Job {
    occ: "receptionist",
    esco_titles: &["receptionist"],
    colloquial: &["Receptionsmedarbejder", "Front office-medarbejder"],
    tasks: &[
        "indtjekning og udtjekning af gæster",
        "besvarelse af telefon og mails",
        "booking af værelser",
    ],
    competences: &["kundeservice", "engelsk", "IT", "bookingsystem", "service"],
    shifts: &[DAY, EVE, DAY_WE, ALL],
    physical: &["light"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 1,
};

const HOTEL_PORTER: Job = Job {
    occ: "hotel porter",
    esco_titles: &["portier", "hotelportier"],
    colloquial: &["Piccolo", "Bagagemedarbejder"],
    tasks: &[
        "hjælp til gæster med bagage",
        "vedligeholdelse af indgangsparti",
        "småopgaver i huset",
    ],
    competences: &["service", "engelsk", "hjælpsomhed"],
    shifts: &[DAY, EVE, DAY_WE],
    physical: &["medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 1,
};

const CHILD_DAY_CARE: Job = Job {
    occ: "child day care worker",
    esco_titles: &["medarbejder i en børnehave", "børnepasser"],
    colloquial: &[
        "Pædagogmedhjælper",
        "Pædagogmedhjælper i børnehave",
        "Medhjælper i vuggestue",
    ],
    tasks: &[
        "leg og aktiviteter med børnene",
        "hjælp ved måltider og bleskift",
        "ture på legepladsen og i naturen",
        "samarbejde med forældre og pædagoger",
    ],
    competences: &[
        "omsorg",
        "børn",
        "samarbejde",
        "ansvarlighed",
        "kreativitet",
        "tålmodighed",
    ],
    shifts: &[DAY],
    physical: &["light", "medium"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 4,
};

const CHILD_CARE: Job = Job {
    occ: "child care worker",
    esco_titles: &["børnepasser", "barnepasser"],
    colloquial: &["Medhjælper i SFO", "Børnemedhjælper"],
    tasks: &[
        "pasning af børn",
        "aktiviteter og lektiehjælp",
        "afhentning og aflevering",
    ],
    competences: &["omsorg", "børn", "pålidelighed", "tålmodighed"],
    shifts: &[DAY, DAY_EVE],
    physical: &["light"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 2,
};

const HOME_CARE: Job = Job {
    occ: "home care aide",
    esco_titles: &[
        "social- og sundhedshjælper",
        "hjemmehjælper",
        "sosu-hjælper",
    ],
    colloquial: &[
        "SOSU-hjælper",
        "Hjemmehjælper i aften- og weekendvagter",
        "Plejemedhjælper",
    ],
    tasks: &[
        "personlig pleje og praktisk hjælp",
        "hjælp til bad, af- og påklædning",
        "rengøring i borgernes hjem",
        "samvær og aktivering af ældre",
    ],
    competences: &[
        "omsorg",
        "pleje",
        "ældre",
        "empati",
        "kørekort B",
        "dokumentation",
    ],
    shifts: &[DAY, EVE, DAY_WE, EVE_WE, EVE_NIGHT],
    physical: &["medium", "heavy"],
    danish: &["good", "fluent"],
    licence: Licence::SometimesB,
    weight: 4,
};

const HEALTHCARE_ASSISTANT: Job = Job {
    occ: "healthcare assistant",
    esco_titles: &[
        "social- og sundhedsassistent",
        "plejehjemsassistent",
        "omsorgsmedhjælper",
    ],
    colloquial: &[
        "Plejemedhjælper",
        "Afløser på plejecenter",
        "Ufaglært plejer",
    ],
    tasks: &[
        "pleje og omsorg for beboerne",
        "hjælp ved måltider",
        "aktiviteter og gåture med beboerne",
        "praktiske opgaver på afdelingen",
    ],
    competences: &[
        "omsorg",
        "pleje",
        "ældre",
        "empati",
        "samarbejde",
        "tålmodighed",
    ],
    shifts: &[DAY, EVE, NIGHT, DAY_WE, ALL],
    physical: &["medium", "heavy"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 3,
};

const HOSPITAL_PORTER: Job = Job {
    occ: "hospital porter",
    esco_titles: &["portør", "hospitalsportør"],
    colloquial: &["Servicemedarbejder på hospital"],
    tasks: &[
        "transport af patienter og udstyr",
        "levering af prøver og post",
        "hjælp ved forflytninger",
    ],
    competences: &["service", "samarbejde", "forflytning", "stedsans"],
    shifts: &[DAY, EVE, NIGHT, ALL],
    physical: &["medium", "heavy"],
    danish: &["good"],
    licence: Licence::None,
    weight: 2,
};

const SHOP_ASSISTANT: Job = Job {
    occ: "shop assistant",
    esco_titles: &["butiksassistent"],
    colloquial: &["Butiksmedarbejder", "Ekspedient", "Butiksmedhjælper"],
    tasks: &[
        "betjening af kunder i butikken",
        "opfyldning af varer",
        "oprydning og rengøring i butikken",
        "modtagelse af varer",
    ],
    competences: &[
        "kundeservice",
        "salg",
        "service",
        "kasseapparat",
        "samarbejde",
    ],
    shifts: &[DAY, DAY_EVE, EVE_WE, DAY_WE],
    physical: &["light", "medium"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 3,
};

const CASHIER: Job = Job {
    occ: "cashier",
    esco_titles: &["kassemedarbejder", "kasseassistent"],
    colloquial: &["Kassemedarbejder til weekend", "Kasseekspedient"],
    tasks: &[
        "betjening af kassen",
        "kundeservice ved kassen",
        "opgørelse af kasse",
    ],
    competences: &["kasseapparat", "kundeservice", "regning", "ærlighed"],
    shifts: &[DAY, EVE, DAY_WE, EVE_WE],
    physical: &["light"],
    danish: &["basic", "good"],
    licence: Licence::None,
    weight: 2,
};

const SHELF_FILLER: Job = Job {
    occ: "shelf filler",
    esco_titles: &["vareopfylder", "butiksmedhjælper"],
    colloquial: &[
        "Varepåfylder",
        "Varepåfylder om aftenen",
        "Medarbejder til varepåfyldning",
    ],
    tasks: &[
        "opfyldning af hylder og køleskabe",
        "udpakning af varer fra lageret",
        "datokontrol",
        "facering af hylder",
    ],
    competences: &[
        "varepåfyldning",
        "datokontrol",
        "tempo",
        "ordenssans",
        "mødestabil",
    ],
    shifts: &[DAY, EVE, &["day", "weekend"], NIGHT],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const BAKER: Job = Job {
    occ: "baker",
    esco_titles: &["bager", "bagersvend"],
    colloquial: &["Bagermedhjælper", "Bageriassistent", "Medhjælper i bageri"],
    tasks: &[
        "bagning af brød og kager",
        "æltning og formning af dej",
        "rengøring af bageriet",
        "pakning af brød til butikker",
    ],
    competences: &[
        "bagning",
        "hygiejne",
        "tidlig morgen",
        "tempo",
        "hygiejnebevis",
    ],
    shifts: &[NIGHT, DAY, &["night", "weekend"]],
    physical: &["medium", "heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const SLAUGHTERER: Job = Job {
    occ: "slaughterer",
    esco_titles: &[
        "slagteriarbejder",
        "industrislagter",
        "medarbejder i slagteri",
    ],
    colloquial: &[
        "Slagteriarbejder på linjen",
        "Produktionsmedarbejder på slagteri",
    ],
    tasks: &[
        "arbejde ved slagtelinjen",
        "opskæring og udbening af kød",
        "rengøring af produktionsudstyr",
        "sortering af kødstykker",
    ],
    competences: &[
        "knivteknik",
        "hygiejne",
        "tempo",
        "kan tåle kulde",
        "samarbejde",
    ],
    shifts: &[DAY, EVE, &["day", "evening"]],
    physical: &["heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const MEAT_CUTTER: Job = Job {
    occ: "meat cutter",
    esco_titles: &["slagterimedarbejder", "slagtersvend"],
    colloquial: &["Udbener", "Pakker på slagteri"],
    tasks: &[
        "udskæring af kød",
        "pakning af kødprodukter",
        "vejning og mærkning",
    ],
    competences: &[
        "knivteknik",
        "hygiejne",
        "kvalitetskontrol",
        "kan tåle kulde",
    ],
    shifts: &[DAY, EVE],
    physical: &["heavy", "medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 2,
};

const GROUNDSMAN: Job = Job {
    occ: "groundsman/groundswoman",
    esco_titles: &["anlægsgartner", "havemand", "gartner"],
    colloquial: &[
        "Gartnermedhjælper",
        "Medhjælper til grøn pleje",
        "Anlægsgartnermedhjælper",
    ],
    tasks: &[
        "græsslåning og hækklipning",
        "lægning af fliser og belægning",
        "beskæring af buske og træer",
        "vedligeholdelse af grønne områder",
    ],
    competences: &[
        "havearbejde",
        "græsslåmaskine",
        "fliselægning",
        "kørekort B",
        "udendørs arbejde",
    ],
    shifts: &[DAY],
    physical: &["heavy", "medium"],
    danish: &["none", "basic"],
    licence: Licence::SometimesB,
    weight: 3,
};

const GARDEN_LABOURER: Job = Job {
    occ: "garden labourer",
    esco_titles: &["gartneriarbejder", "have- og parkarbejder"],
    colloquial: &["Parkarbejder", "Havemedhjælper"],
    tasks: &[
        "lugning og plantning",
        "rengøring af parker og stier",
        "fejning og løvopsamling",
    ],
    competences: &["havearbejde", "udendørs arbejde", "samarbejde"],
    shifts: &[DAY],
    physical: &["medium", "heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 2,
};

const CONSTRUCTION_WORKER: Job = Job {
    occ: "building construction worker",
    esco_titles: &["byggearbejder", "anlægsarbejder"],
    colloquial: &["Håndlanger", "Byggepladsmedhjælper", "Arbejdsmand"],
    tasks: &[
        "oprydning på byggepladsen",
        "bæring og flytning af materialer",
        "hjælp til faglærte håndværkere",
        "nedrivning og klargøring",
    ],
    competences: &[
        "byggeplads",
        "sikkerhedskursus",
        "værktøj",
        "samarbejde",
        "udendørs arbejde",
    ],
    shifts: &[DAY],
    physical: &["heavy"],
    danish: &["none", "basic"],
    licence: Licence::SometimesB,
    weight: 4,
};

const BRICKLAYER: Job = Job {
    occ: "bricklayer",
    esco_titles: &["murerarbejdsmand", "murer"],
    colloquial: &["Murerhåndlanger", "Murermedhjælper"],
    tasks: &[
        "blanding af mørtel",
        "opstilling af stillads",
        "bæring af sten og materialer",
    ],
    competences: &[
        "byggeplads",
        "stilladsarbejde",
        "værktøj",
        "udendørs arbejde",
    ],
    shifts: &[DAY],
    physical: &["heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 2,
};

const CARPENTER: Job = Job {
    occ: "carpenter",
    esco_titles: &["tømrer"],
    colloquial: &["Tømrermedhjælper", "Tømrerlærling"],
    tasks: &[
        "montering af gips og lofter",
        "udskiftning af vinduer og døre",
        "oprydning på pladsen",
    ],
    competences: &["håndværk", "værktøj", "målfasthed", "kørekort B"],
    shifts: &[DAY],
    physical: &["heavy", "medium"],
    danish: &["basic", "good"],
    licence: Licence::SometimesB,
    weight: 1,
};

const FOOD_OPERATOR: Job = Job {
    occ: "food production operator",
    esco_titles: &["maskinoperatør inden for fødevareproduktion"],
    colloquial: &[
        "Produktionsmedarbejder",
        "Produktionsmedarbejder i fødevareindustrien",
        "Maskinpasser",
    ],
    tasks: &[
        "betjening af produktionsanlæg",
        "pakning af færdigvarer",
        "kvalitetskontrol på linjen",
        "rengøring af maskiner",
    ],
    competences: &[
        "maskinbetjening",
        "hygiejne",
        "kvalitetskontrol",
        "tempo",
        "samarbejde",
    ],
    shifts: &[DAY, EVE, NIGHT, &["day", "evening", "night"]],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 4,
};

const FACTORY_HAND: Job = Job {
    occ: "factory hand",
    esco_titles: &["fabriksarbejder", "fabriksmedarbejder"],
    colloquial: &[
        "Produktionsmedarbejder",
        "Montagemedarbejder",
        "Maskinpasser",
        "Produktionshjælper",
    ],
    tasks: &[
        "montage af komponenter",
        "betjening af maskiner i produktionen",
        "pakning og palletering",
        "oprydning i produktionshallen",
    ],
    competences: &[
        "maskinbetjening",
        "montage",
        "produktion",
        "kvalitetskontrol",
        "mødestabil",
    ],
    shifts: &[DAY, EVE, NIGHT, &["day", "evening"]],
    physical: &["medium", "heavy"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 5,
};

const CALL_CENTRE: Job = Job {
    occ: "call centre agent",
    esco_titles: &["kundeservicemedarbejder", "callcentermedarbejder"],
    colloquial: &[
        "Telefonsælger",
        "Medarbejder til kundeservice",
        "Supportmedarbejder",
    ],
    tasks: &[
        "besvarelse af kundehenvendelser i telefon",
        "registrering i kundesystem",
        "svar på mails og chat",
    ],
    competences: &[
        "kundeservice",
        "IT",
        "kommunikation",
        "tålmodighed",
        "engelsk",
    ],
    shifts: &[DAY, DAY_EVE, EVE],
    physical: &["light"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 3,
};

const OFFICE_CLERK: Job = Job {
    occ: "office clerk",
    esco_titles: &["kontormedarbejder", "kontorist", "kontormedhjælper"],
    colloquial: &["Kontorassistent", "Administrativ medhjælper"],
    tasks: &[
        "arkivering og scanning",
        "kopiering og post",
        "indtastning af bilag",
        "reception og telefon",
    ],
    competences: &[
        "office-pakken",
        "arkivering",
        "IT",
        "struktur",
        "kommunikation",
    ],
    shifts: &[DAY],
    physical: &["light"],
    danish: &["good", "fluent"],
    licence: Licence::None,
    weight: 2,
};

const DATA_ENTRY: Job = Job {
    occ: "data entry clerk",
    esco_titles: &["assistent til indtastning af data"],
    colloquial: &["Dataindtaster", "Medarbejder til dataregistrering"],
    tasks: &[
        "indtastning af data",
        "kontrol af registreringer",
        "scanning af dokumenter",
    ],
    competences: &["IT", "præcision", "office-pakken", "hurtig på tastaturet"],
    shifts: &[DAY],
    physical: &["light"],
    danish: &["good"],
    licence: Licence::None,
    weight: 1,
};

const VEHICLE_CLEANER: Job = Job {
    occ: "vehicle cleaner",
    esco_titles: &["bilvasker", "bilvaskmedarbejder"],
    colloquial: &[
        "Medarbejder i vaskehal",
        "Bilpleje-medarbejder",
        "Klargører",
    ],
    tasks: &[
        "vask og klargøring af biler",
        "støvsugning af kabiner",
        "betjening af vaskehal",
        "kundebetjening",
    ],
    competences: &[
        "bilpleje",
        "rengøring",
        "kørekort B",
        "tempo",
        "kundeservice",
    ],
    shifts: &[DAY, DAY_WE],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::SometimesB,
    weight: 3,
};

const REFUSE_COLLECTOR: Job = Job {
    occ: "refuse collector",
    esco_titles: &["renovationsarbejder", "skraldemand", "affaldssorterer"],
    colloquial: &[
        "Skraldemand",
        "Genbrugspladsmedarbejder",
        "Sorteringsmedarbejder",
    ],
    tasks: &[
        "tømning af affaldsbeholdere",
        "sortering af affald",
        "vejledning af borgere på genbrugspladsen",
        "rengøring af containere",
    ],
    competences: &[
        "affaldssortering",
        "udendørs arbejde",
        "mødestabil",
        "sikkerhed",
        "service",
    ],
    shifts: &[DAY, &["day", "weekend"]],
    physical: &["heavy", "medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 3,
};

const REFUSE_DRIVER: Job = Job {
    occ: "refuse vehicle driver",
    esco_titles: &["chauffør til skraldebil"],
    colloquial: &["Renovationschauffør", "C-chauffør til renovation"],
    tasks: &[
        "kørsel med skraldebil",
        "tømning af containere med kran",
        "ruteplanlægning",
    ],
    competences: &[
        "kørekort C",
        "chaufføruddannelse",
        "kran",
        "udendørs arbejde",
    ],
    shifts: &[DAY],
    physical: &["medium"],
    danish: &["basic"],
    licence: Licence::RequiredC,
    weight: 1,
};

const STREET_SWEEPER: Job = Job {
    occ: "street sweeper",
    esco_titles: &["gadefejer", "fejemand"],
    colloquial: &["Vejmand", "Medarbejder til gaderenholdelse"],
    tasks: &[
        "fejning af gader og pladser",
        "tømning af affaldskurve",
        "fjernelse af graffiti og løv",
    ],
    competences: &["udendørs arbejde", "mødestabil", "selvstændighed"],
    shifts: &[DAY, &["day", "weekend"]],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 1,
};

const FOREST_WORKER: Job = Job {
    occ: "forest worker",
    esco_titles: &["skovarbejder", "skovmedarbejder"],
    colloquial: &["Skovhjælper", "Medhjælper i skoven", "Naturplejer"],
    tasks: &[
        "plantning og udtynding af træer",
        "rydning af krat",
        "brænde og flishugning",
        "vedligeholdelse af skovveje og stier",
    ],
    competences: &[
        "motorsav",
        "udendørs arbejde",
        "sikkerhed",
        "naturpleje",
        "fysisk udholdenhed",
    ],
    shifts: &[DAY],
    physical: &["heavy"],
    danish: &["none", "basic"],
    licence: Licence::SometimesB,
    weight: 3,
};

const HORTICULTURE_WORKER: Job = Job {
    occ: "horticulture worker",
    esco_titles: &[
        "gartnerimedarbejder",
        "medarbejder i gartneri",
        "gartneriassistent",
    ],
    colloquial: &[
        "Væksthusmedarbejder",
        "Drivhusmedarbejder",
        "Potteplantemedarbejder",
    ],
    tasks: &[
        "prikling og potning af planter",
        "vanding og pasning i væksthuset",
        "pakning af planter til levering",
        "høst af grøntsager",
    ],
    competences: &[
        "planter",
        "tempo",
        "finmotorik",
        "samarbejde",
        "udendørs arbejde",
    ],
    shifts: &[DAY, &["day", "weekend"]],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 4,
};

const PICKER: Job = Job {
    occ: "fruit and vegetable picker",
    esco_titles: &["frugtplukker", "bærplukker"],
    colloquial: &[
        "Jordbærplukker",
        "Høstmedhjælper",
        "Sæsonmedarbejder til høst",
    ],
    tasks: &[
        "plukning af frugt og bær",
        "sortering og pakning af høsten",
        "lugning i marken",
    ],
    competences: &["udendørs arbejde", "tempo", "fysisk udholdenhed"],
    shifts: &[DAY, &["day", "weekend"]],
    physical: &["medium", "heavy"],
    danish: &["none"],
    licence: Licence::None,
    weight: 2,
};

const LAUNDRY_WORKER: Job = Job {
    occ: "laundry worker",
    esco_titles: &["vaskeriarbejder"],
    colloquial: &["Vaskerimedarbejder", "Medarbejder i industrivaskeri"],
    tasks: &[
        "sortering af vasketøj",
        "betjening af vaske- og foldemaskiner",
        "pakning af rent linned",
    ],
    competences: &["maskinbetjening", "tempo", "kvalitetskontrol", "mødestabil"],
    shifts: &[DAY, EVE, &["day", "evening"]],
    physical: &["medium"],
    danish: &["none", "basic"],
    licence: Licence::None,
    weight: 4,
};

const POSTMAN: Job = Job {
    occ: "postman/postwoman",
    esco_titles: &["postbud", "postomdeler"],
    colloquial: &["Omdeler", "Avisbud"],
    tasks: &[
        "omdeling af post og pakker",
        "sortering af post på terminalen",
        "scanning af forsendelser",
    ],
    competences: &["stedsans", "mødestabil", "cykling", "kørekort B"],
    shifts: &[DAY, NIGHT, &["night", "weekend"]],
    physical: &["medium"],
    danish: &["basic"],
    licence: Licence::SometimesB,
    weight: 2,
};

const MOVER: Job = Job {
    occ: "mover",
    esco_titles: &["flyttemand", "flyttearbejder"],
    colloquial: &["Flyttemedhjælper", "Flyttemand til erhvervsflytninger"],
    tasks: &[
        "bæring af møbler og flyttekasser",
        "nedpakning og udpakning",
        "læsning af flyttebil",
    ],
    competences: &[
        "fysisk udholdenhed",
        "kundeservice",
        "samarbejde",
        "kørekort B",
    ],
    shifts: &[DAY, DAY_WE],
    physical: &["heavy"],
    danish: &["basic"],
    licence: Licence::SometimesB,
    weight: 2,
};

const BUS_DRIVER: Job = Job {
    occ: "bus driver",
    esco_titles: &["buschauffør", "rutebuschauffør", "skolebuschauffør"],
    colloquial: &["Buschauffør på deltid", "Flextrafikchauffør"],
    tasks: &[
        "kørsel på faste ruter",
        "betjening af passagerer",
        "billetsalg og vejledning",
    ],
    competences: &[
        "kørekort D",
        "kundeservice",
        "trafiksikkerhed",
        "rolig adfærd",
    ],
    shifts: &[DAY, EVE, DAY_WE, ALL],
    physical: &["light"],
    danish: &["good"],
    licence: Licence::RequiredD,
    weight: 2,
};

pub(crate) static ARCHETYPES: &[Archetype] = &[
    Archetype {
        key: "logistics",
        db07: &[
            "521000", "522400", "522920", "469000", "463900", "463100", "463200",
        ],
        weight: 10,
        rural: false,
        size: [20, 35, 25, 20],
        name_words: &[
            "Logistik",
            "Lager & Distribution",
            "Transport og Lager",
            "Engros",
        ],
        institution_names: &["{city} Lagerhotel", "{city} Distributionscenter"],
        blurbs: &[
            "Vi driver lager og distribution for kunder i hele Danmark.",
            "Stort lager med plukning, pakning og udsendelse af varer hver dag.",
            "Vi lagerfører og distribuerer dagligvarer til butikker i regionen.",
        ],
        jobs: &[
            WAREHOUSE_WORKER,
            ORDER_PICKER,
            FORKLIFT,
            PACKER,
            TRUCK_DRIVER,
        ],
    },
    Archetype {
        key: "parcel",
        db07: &["532000"],
        weight: 3,
        rural: false,
        size: [20, 40, 20, 20],
        name_words: &["Pakkeservice", "Bud & Kurér", "Express"],
        institution_names: &[],
        blurbs: &["Vi leverer pakker og breve til private og erhverv."],
        jobs: &[DELIVERY_DRIVER, POSTMAN, WAREHOUSE_WORKER, PACKER],
    },
    Archetype {
        key: "road_transport",
        db07: &["494100", "494200"],
        weight: 3,
        rural: false,
        size: SMALL_FIRMS,
        name_words: &["Transport", "Vognmandsforretning", "Flytteforretning"],
        institution_names: &[],
        blurbs: &[
            "Vognmand med lastbiler og varebiler i daglig drift.",
            "Vi står for private og erhvervsflytninger.",
        ],
        jobs: &[TRUCK_DRIVER, MOVER, WAREHOUSE_WORKER],
    },
    Archetype {
        key: "bus",
        db07: &["493110", "493910"],
        weight: 1,
        rural: false,
        size: [10, 30, 30, 30],
        name_words: &["Busser", "Turistfart"],
        institution_names: &[],
        blurbs: &["Vi kører rutebusser og skolebusser på kontrakt for trafikselskabet."],
        jobs: &[BUS_DRIVER, VEHICLE_CLEANER],
    },
    Archetype {
        key: "restaurant",
        db07: &["561010", "561020", "563000"],
        weight: 8,
        rural: false,
        size: [45, 45, 8, 2],
        name_words: &["Restaurant", "Brasserie", "Café", "Pizzeria", "Grill"],
        institution_names: &["Restaurant {street}", "Café {street}"],
        blurbs: &[
            "Travl restaurant med fokus på gode råvarer.",
            "Hyggelig café med frokost og aftenservering.",
            "Vi laver mad til både restaurant og take-away.",
        ],
        jobs: &[KITCHEN_PORTER, KITCHEN_ASSISTANT, WAITER, COOK, BARTENDER],
    },
    Archetype {
        key: "canteen",
        db07: &["562900", "562100"],
        weight: 3,
        rural: false,
        size: [25, 50, 20, 5],
        name_words: &["Kantineservice", "Catering", "Madservice"],
        institution_names: &[],
        blurbs: &["Vi driver kantiner for virksomheder og leverer mad ud af huset."],
        jobs: &[KITCHEN_ASSISTANT, KITCHEN_PORTER, COOK],
    },
    Archetype {
        key: "hotel",
        db07: &["551010", "551020"],
        weight: 3,
        rural: false,
        size: [10, 45, 30, 15],
        name_words: &["Hotel", "Kro", "Konferencecenter"],
        institution_names: &["Hotel {city}", "{city} Kro", "Hotel {street}"],
        blurbs: &[
            "Hotel med restaurant og konferencefaciliteter.",
            "Familiedrevet kro med værelser og selskaber.",
        ],
        jobs: &[
            ROOM_ATTENDANT,
            RECEPTIONIST,
            HOTEL_PORTER,
            KITCHEN_PORTER,
            WAITER,
        ],
    },
    Archetype {
        key: "cleaning",
        db07: &["812100", "812290", "812210"],
        weight: 8,
        rural: false,
        size: [35, 35, 15, 15],
        name_words: &[
            "Rengøring",
            "Service",
            "Facility Service",
            "Vinduespudsning",
        ],
        institution_names: &[],
        blurbs: &[
            "Vi gør rent for kontorer, institutioner og private.",
            "Rengøringsfirma med faste kunder i hele området.",
        ],
        jobs: &[BUILDING_CLEANER, DOMESTIC_CLEANER, WINDOW_CLEANER],
    },
    Archetype {
        key: "childcare",
        db07: &["889130", "889120", "889150"],
        weight: 6,
        rural: false,
        size: [10, 75, 15, 0],
        name_words: &["Børnehus"],
        institution_names: &[
            "Børnehuset {street}",
            "Vuggestuen {street}",
            "Den Integrerede Institution {street}",
            "Naturbørnehaven {city}",
        ],
        blurbs: &[
            "Selvejende daginstitution med vuggestue og børnehave.",
            "Børnehave med fokus på leg, natur og bevægelse.",
        ],
        jobs: &[CHILD_DAY_CARE, CHILD_CARE, KITCHEN_ASSISTANT],
    },
    Archetype {
        key: "elderly_care",
        db07: &["871010", "881010", "873020"],
        weight: 6,
        rural: false,
        size: [5, 45, 35, 15],
        name_words: &["Hjemmepleje", "Omsorg"],
        institution_names: &[
            "Plejecenter {street}",
            "Friplejehjemmet {street}",
            "Privat Hjemmepleje {city}",
        ],
        blurbs: &[
            "Plejecenter med boliger til ældre borgere.",
            "Privat leverandør af hjemmepleje og praktisk hjælp.",
        ],
        jobs: &[
            HOME_CARE,
            HEALTHCARE_ASSISTANT,
            KITCHEN_ASSISTANT,
            BUILDING_CLEANER,
        ],
    },
    Archetype {
        key: "hospital",
        db07: &["861000"],
        weight: 1,
        rural: false,
        size: [0, 0, 10, 90],
        name_words: &["Privathospital", "Klinik"],
        institution_names: &["Privathospitalet {city}"],
        blurbs: &["Privathospital med sengeafsnit og ambulatorier."],
        jobs: &[HOSPITAL_PORTER, BUILDING_CLEANER, KITCHEN_ASSISTANT],
    },
    Archetype {
        key: "supermarket",
        db07: &["471120", "471130", "471110"],
        weight: 7,
        rural: false,
        size: [15, 60, 20, 5],
        name_words: &["Købmand", "Supermarked", "Minimarked"],
        institution_names: &["{city} Supermarked", "Købmanden på {street}"],
        blurbs: &[
            "Dagligvarebutik med lang åbningstid.",
            "Supermarked med bager, slagter og stort frugtområde.",
        ],
        jobs: &[SHOP_ASSISTANT, CASHIER, SHELF_FILLER, WAREHOUSE_WORKER],
    },
    Archetype {
        key: "bakery",
        db07: &["107120", "472400", "107110"],
        weight: 4,
        rural: false,
        size: [50, 40, 7, 3],
        name_words: &["Bageri", "Brødhus", "Konditori"],
        institution_names: &["{city} Bageri", "Bageriet på {street}"],
        blurbs: &[
            "Håndværksbageri med butik og morgenbrød.",
            "Vi bager brød og kager til butikker og cafeer.",
        ],
        jobs: &[BAKER, SHOP_ASSISTANT, FOOD_OPERATOR, PACKER],
    },
    Archetype {
        key: "slaughterhouse",
        db07: &["101110", "101190", "101300"],
        weight: 2,
        rural: true,
        size: [5, 25, 30, 40],
        name_words: &["Slagteri", "Kødindustri", "Pølsefabrik"],
        institution_names: &[],
        blurbs: &["Slagteri og kødforarbejdning med egen pakkeafdeling."],
        jobs: &[SLAUGHTERER, MEAT_CUTTER, PACKER, BUILDING_CLEANER, FORKLIFT],
    },
    Archetype {
        key: "food_production",
        db07: &["108900", "108500", "108200"],
        weight: 3,
        rural: false,
        size: [20, 40, 25, 15],
        name_words: &["Fødevarer", "Food", "Færdigretter"],
        institution_names: &[],
        blurbs: &["Vi producerer færdigretter og fødevarer til detailhandlen."],
        jobs: &[FOOD_OPERATOR, PACKER, FACTORY_HAND, WAREHOUSE_WORKER],
    },
    Archetype {
        key: "manufacturing",
        db07: &["282900", "251100", "222200", "310100", "162300"],
        weight: 6,
        rural: false,
        size: [20, 40, 22, 18],
        name_words: &[
            "Maskinfabrik",
            "Industri",
            "Plast",
            "Møbelfabrik",
            "Stålindustri",
        ],
        institution_names: &[],
        blurbs: &[
            "Produktionsvirksomhed med eget lager og eksport.",
            "Industrivirksomhed med montage og maskinbearbejdning.",
        ],
        jobs: &[FACTORY_HAND, PACKER, FORKLIFT, WAREHOUSE_WORKER],
    },
    Archetype {
        key: "landscaping",
        db07: &["813000"],
        weight: 4,
        rural: false,
        size: SMALL_FIRMS,
        name_words: &["Anlægsgartner", "Have & Anlæg", "Grøn Service"],
        institution_names: &[],
        blurbs: &["Anlægsgartner med pleje af haver, boligforeninger og erhverv."],
        jobs: &[GROUNDSMAN, GARDEN_LABOURER],
    },
    Archetype {
        key: "construction",
        db07: &["412000", "439990", "433200", "439910"],
        weight: 5,
        rural: false,
        size: SMALL_FIRMS,
        name_words: &["Byg", "Entreprise", "Murerforretning", "Tømrer og Snedker"],
        institution_names: &[],
        blurbs: &[
            "Entreprenør med nybyg og renovering.",
            "Håndværksvirksomhed med opgaver for private og boligforeninger.",
        ],
        jobs: &[CONSTRUCTION_WORKER, BRICKLAYER, CARPENTER],
    },
    Archetype {
        key: "office",
        db07: &["822000", "821100", "821900"],
        weight: 3,
        rural: false,
        size: [30, 40, 20, 10],
        name_words: &["Kundeservice", "Kontorservice", "Administration"],
        institution_names: &[],
        blurbs: &["Vi håndterer kundeservice og administration for andre virksomheder."],
        jobs: &[CALL_CENTRE, OFFICE_CLERK, DATA_ENTRY],
    },
    Archetype {
        key: "car_wash",
        db07: &["452010"],
        weight: 2,
        rural: false,
        size: [70, 28, 2, 0],
        name_words: &["Bilvask", "Autopleje", "Bilcenter"],
        institution_names: &["{city} Bilvask"],
        blurbs: &["Vaskehal og bilpleje med værksted."],
        jobs: &[VEHICLE_CLEANER],
    },
    Archetype {
        key: "waste",
        db07: &["381100", "383200", "382110"],
        weight: 2,
        rural: false,
        size: [10, 40, 30, 20],
        name_words: &["Renovation", "Genbrug", "Miljøservice"],
        institution_names: &["{city} Affald & Genbrug"],
        blurbs: &["Vi indsamler og sorterer affald for kommune og erhverv."],
        jobs: &[REFUSE_COLLECTOR, REFUSE_DRIVER, STREET_SWEEPER],
    },
    Archetype {
        key: "forestry",
        db07: &["022000", "021000", "024000"],
        weight: 1,
        rural: true,
        size: [70, 28, 2, 0],
        name_words: &["Skovservice", "Skov og Natur", "Naturpleje"],
        institution_names: &[],
        blurbs: &["Vi driver og plejer private skove og naturarealer."],
        jobs: &[FOREST_WORKER, GARDEN_LABOURER],
    },
    Archetype {
        key: "horticulture",
        db07: &["011300", "013000", "011900"],
        weight: 2,
        rural: true,
        size: [45, 40, 10, 5],
        name_words: &["Gartneri", "Planteskole", "Frugtplantage"],
        institution_names: &["{city} Gartneri"],
        blurbs: &[
            "Gartneri med væksthuse og potteplanter.",
            "Grøntsagsproducent med sæsonhøst.",
        ],
        jobs: &[HORTICULTURE_WORKER, PICKER, PACKER],
    },
    Archetype {
        key: "laundry",
        db07: &["960110"],
        weight: 1,
        rural: false,
        size: [10, 40, 30, 20],
        name_words: &["Vaskeri", "Linnedservice"],
        institution_names: &["{city} Industrivaskeri"],
        blurbs: &["Industrivaskeri for hoteller, restauranter og plejecentre."],
        jobs: &[LAUNDRY_WORKER, PACKER, TRUCK_DRIVER],
    },
];

/// Municipality codes with weights: the large cities and the Aarhus area dominate because the demo is shown from
/// Aarhus, but every region has something.
pub(crate) static MUNICIPALITIES: &[(&str, u32)] = &[
    ("0751", 14), // Aarhus
    ("0101", 12), // København
    ("0461", 6),  // Odense
    ("0851", 6),  // Aalborg
    ("0630", 4),  // Vejle
    ("0147", 4),  // Frederiksberg
    ("0561", 4),  // Esbjerg
    ("0730", 4),  // Randers
    ("0746", 3),  // Skanderborg
    ("0727", 2),  // Odder
    ("0706", 2),  // Syddjurs
    ("0710", 3),  // Favrskov
    ("0740", 3),  // Silkeborg
    ("0615", 3),  // Horsens
    ("0707", 2),  // Norddjurs
    ("0621", 2),  // Kolding
    ("0657", 2),  // Herning
    ("0791", 2),  // Viborg
    ("0265", 2),  // Roskilde
    ("0151", 2),  // Ballerup
    ("0157", 1),  // Gentofte
    ("0173", 1),  // Lyngby-Taarbæk
];

/// City-centre municipalities where forestry and greenhouses would look odd.
pub(crate) const URBAN: &[&str] = &["0101", "0147", "0157", "0173"];

/// The first companies of every data set: warehouses in and around Aarhus, so that a search for "lager" near
/// Aarhus always has answers in the demo, whatever the seed.
pub(crate) static ANCHORS: &[(&str, &str)] = &[
    ("0751", "logistics"),
    ("0751", "logistics"),
    ("0751", "logistics"),
    ("0746", "logistics"),
    ("0730", "logistics"),
    ("0710", "logistics"),
    ("0727", "logistics"),
    ("0706", "logistics"),
];
