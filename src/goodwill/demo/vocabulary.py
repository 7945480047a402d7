"""The words the demo world is made of: a US industrial distributor, its team and customers.

Every list is a tuple so that its order, and so the world a seed draws, never changes.
"""

from __future__ import annotations

TEAM_DOMAIN = "goodwill-demo.com"

# (name, role, job): the business owner runs the system, the sales manager reviews the
# team, reps sell and customer-service people keep the accounts running day to day.
TEAM: tuple[tuple[str, str, str], ...] = (
    ("Margaret Holloway", "admin", "owner"),
    ("Daniel Okafor", "manager", "sales manager"),
    ("Priya Raman", "member", "rep"),
    ("Tom Brennan", "member", "rep"),
    ("Luis Ortega", "member", "rep"),
    ("Keisha Thompson", "member", "service"),
    ("Emily Novak", "member", "service"),
)

# The first word of a company's name: founders' surnames and places.
COMPANY_FIRST: tuple[str, ...] = (
    "Hartwell", "Blue Ridge", "Keystone", "Mercer", "Northgate", "Ironwood", "Cedar Creek",
    "Summit", "Lakeshore", "Pioneer", "Redstone", "Whitfield", "Granite State", "Delmar",
    "Kessler", "Bauer", "Holt", "Carver", "Prairie", "Tri-County", "Riverbend", "Allegheny",
    "Cascade", "Sterling", "Brandt", "Dunmore", "Fairview", "Gulf Coast", "Harbor", "Jansen",
    "Kowalski", "Lindqvist", "Maddox", "Norcross", "Oakridge", "Pemberton", "Quarry Hill",
    "Ramsey", "Sandoval", "Thornton", "Upland", "Valley", "Westbrook", "Yates", "Zeller",
    "Anchor", "Badger", "Copperline", "Driftwood", "Eagle", "Foxhall", "Great Plains",
    "Heartland", "Inland", "Juniper", "Kingsley", "Liberty", "Midwest", "Northstar",
    "Old Mill", "Patriot", "Rockport", "Shelby", "Tidewater", "Union", "Vance", "Wabash",
    "Armstrong", "Becker", "Castillo", "Donnelly", "Eckert", "Fischer", "Gallagher",
    "Hoffmann", "Ibarra", "Jorgensen", "Klein", "Lombardi", "McAllister", "Nakamura",
    "O'Brien", "Petrov", "Quinlan", "Reinhardt", "Schroeder", "Tanaka", "Ulrich", "Vargas",
    "Weber", "Yoder", "Zimmerman", "Appalachian", "Bluewater", "Canyon", "Dakota", "Evergreen",
    "Frontier", "Golden Valley", "High Desert", "Ironbridge", "Lone Star", "Magnolia",
    "New England", "Ozark", "Piedmont", "Rio Grande", "Sierra", "Three Rivers", "Twin City",
    "Bay State", "Chesapeake", "Cumberland", "Hudson Valley", "Mohawk", "Penn", "Shenandoah",
    "Susquehanna", "Tennessee Valley", "Willamette", "Yellowstone", "Adler", "Brooks",
    "Crane", "Dalton", "Ellis", "Ferris", "Grady", "Hale", "Irving", "Jennings", "Keller",
    "Landry", "Mullins", "Nolan", "Osborne", "Prescott", "Rhodes", "Sutton", "Tate",
    "Vaughn", "Walsh", "Whitaker", "Barrett", "Colby", "Dorsey", "Emery", "Forbes", "Garner",
    "Hayes", "Lowell", "Monroe", "Porter", "Rowland", "Stanton", "Thayer", "Wheeler",
)  # fmt: skip

# What the customer does: plants and shops that buy industrial supplies.
COMPANY_TRADE: tuple[str, ...] = (
    "Machining", "Fabrication", "Hydraulics", "Plastics", "Metal Works", "Tool & Die",
    "Foods", "Packaging", "Millwork", "Castings", "Precision", "Welding", "Mechanical",
    "Electric", "Controls", "Pumps", "Fluid Power", "Stamping", "Coatings", "Foundry",
    "Automation", "Conveyor", "Boiler", "Refrigeration", "Paper", "Printing", "Brewing",
    "Dairy", "Bakery", "Poultry", "Feed & Grain", "Lumber", "Cabinet", "Marine", "Trailer",
    "Aggregates", "Concrete", "Asphalt", "Excavating", "Utilities", "Water Works",
    "Plating", "Gear", "Bearing", "Spring", "Wire", "Extrusions", "Composites", "Rubber",
    "Textiles", "Chemical", "Labs", "Aerospace", "Defense", "Rail Services", "Logistics",
    "Cold Storage", "Farm Equipment", "Industrial Services", "Maintenance",
)  # fmt: skip

COMPANY_SUFFIX: tuple[str, ...] = (
    "Inc.", "LLC", "Co.", "Corp.", "Company", "Group", "Industries", "Ltd.", "& Sons",
    "Works",
)  # fmt: skip

# (city, region, ZIP prefix, area code)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Dayton", "OH", "454", "937"), ("Toledo", "OH", "436", "419"),
    ("Columbus", "OH", "432", "614"), ("Akron", "OH", "443", "330"),
    ("Fort Wayne", "IN", "468", "260"), ("Indianapolis", "IN", "462", "317"),
    ("Grand Rapids", "MI", "495", "616"), ("Lansing", "MI", "489", "517"),
    ("Kalamazoo", "MI", "490", "269"), ("Rockford", "IL", "611", "815"),
    ("Peoria", "IL", "616", "309"), ("Joliet", "IL", "604", "815"),
    ("Milwaukee", "WI", "532", "414"), ("Green Bay", "WI", "543", "920"),
    ("Appleton", "WI", "549", "920"), ("Cedar Rapids", "IA", "524", "319"),
    ("Des Moines", "IA", "503", "515"), ("Davenport", "IA", "528", "563"),
    ("Pittsburgh", "PA", "152", "412"), ("Erie", "PA", "165", "814"),
    ("Allentown", "PA", "181", "610"), ("Lancaster", "PA", "176", "717"),
    ("Buffalo", "NY", "142", "716"), ("Rochester", "NY", "146", "585"),
    ("Syracuse", "NY", "132", "315"), ("Worcester", "MA", "016", "508"),
    ("Hartford", "CT", "061", "860"), ("Greenville", "SC", "296", "864"),
    ("Spartanburg", "SC", "293", "864"), ("Charlotte", "NC", "282", "704"),
    ("Greensboro", "NC", "274", "336"), ("Chattanooga", "TN", "374", "423"),
    ("Knoxville", "TN", "379", "865"), ("Louisville", "KY", "402", "502"),
    ("Lexington", "KY", "405", "859"), ("Birmingham", "AL", "352", "205"),
    ("Huntsville", "AL", "358", "256"), ("Tulsa", "OK", "741", "918"),
    ("Wichita", "KS", "672", "316"), ("Omaha", "NE", "681", "402"),
    ("Fort Worth", "TX", "761", "817"), ("San Antonio", "TX", "782", "210"),
    ("Houston", "TX", "770", "713"), ("Baton Rouge", "LA", "708", "225"),
    ("Spokane", "WA", "992", "509"), ("Tacoma", "WA", "984", "253"),
    ("Boise", "ID", "837", "208"), ("Salt Lake City", "UT", "841", "801"),
    ("Sacramento", "CA", "958", "916"), ("Fresno", "CA", "937", "559"),
    ("Reno", "NV", "895", "775"), ("Albuquerque", "NM", "871", "505"),
    ("Denver", "CO", "802", "303"), ("Pueblo", "CO", "810", "719"),
    ("Sioux Falls", "SD", "571", "605"), ("Fargo", "ND", "581", "701"),
    ("Duluth", "MN", "558", "218"), ("St. Cloud", "MN", "563", "320"),
    ("Springfield", "MO", "658", "417"), ("Little Rock", "AR", "722", "501"),
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "Industrial Pkwy", "Commerce Dr", "Enterprise Blvd", "Mill St", "Foundry Rd",
    "Railroad Ave", "Main St", "Factory Ln", "Distribution Way", "Technology Dr",
    "Airport Rd", "County Road 12", "Kingsbury Ave", "Harbor Rd", "Quarry Rd",
    "Progress Dr", "Freedom Way", "Market St", "Canal St", "Elm St", "Oak Ave",
    "Route 9", "Lakeview Dr", "Ridge Rd", "Valley Pike",
)  # fmt: skip

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew",
    "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven",
    "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol",
    "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
    "Ronald", "Rebecca", "Jason", "Laura", "Edward", "Sharon", "Jeffrey", "Cynthia", "Ryan",
    "Kathleen", "Jacob", "Amy", "Gary", "Angela", "Nicholas", "Shirley", "Eric", "Brenda",
    "Jonathan", "Pamela", "Larry", "Nicole", "Justin", "Anna", "Scott", "Samantha",
    "Brandon", "Katherine", "Benjamin", "Christine", "Samuel", "Debra", "Gregory", "Rachel",
    "Frank", "Carolyn", "Raymond", "Janet", "Alexander", "Maria", "Patrick", "Heather",
    "Jack", "Diane", "Dennis", "Julie", "Jerry", "Joyce", "Tyler", "Victoria", "Aaron",
    "Kelly", "Jose", "Christina", "Adam", "Joan", "Nathan", "Evelyn", "Henry", "Lauren",
    "Carlos", "Judith", "Hector", "Olivia", "Wei", "Mei", "Raj", "Anita", "Tomasz", "Ingrid",
    "Dmitri", "Fatima", "Kwame", "Aisha", "Diego", "Lucia", "Hiroshi", "Yuki",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
    "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins",
    "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez",
    "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos",
    "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James",
    "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Kowalczyk", "Novak",
    "Schmidt", "Larsen", "Olsen", "Nakamura", "Chen", "Wang", "Singh", "Okafor", "Mensah",
    "Dubois", "Rossi", "Ivanova", "Fitzgerald", "McCarthy", "O'Neill", "Lindgren",
)  # fmt: skip

CONTACT_TITLES: tuple[str, ...] = (
    "Purchasing Manager", "Buyer", "Plant Manager", "Maintenance Supervisor", "Owner",
    "Operations Manager", "Maintenance Manager", "Production Manager", "Engineering Manager",
    "Accounts Payable", "President", "Facilities Manager", "Shop Foreman", "Safety Coordinator",
    "Procurement Specialist", "Reliability Engineer", "General Manager", "Office Manager",
)  # fmt: skip

# Channels in the order of models.Channel, so an index means the same in both places.
CHANNELS: tuple[str, ...] = ("call", "visit", "sit_down", "note", "email", "event", "other")
VALUES: tuple[str, ...] = ("none", "information", "introduction", "extra_mile", "thanks")
FACT_KINDS: tuple[str, ...] = (
    "goal", "drawing_board", "planned_change", "history", "interest", "community", "family",
    "values", "vendor_role", "facility_tour", "other",
)  # fmt: skip
# Fact kinds about a person rather than the business.
PERSONAL_FACT_KINDS: frozenset[str] = frozenset({"interest", "community", "family"})

TOPICS: tuple[str, ...] = (
    "the bearing order for line 2", "lead times on hydraulic hose", "a backorder on gloves",
    "pricing on cutting fluid", "the new safety-glasses spec", "a rush order of fasteners",
    "their PM schedule", "a pump that keeps failing", "filter change intervals",
    "vendor-managed inventory bins", "the annual price increase", "a late delivery",
    "conveyor belt replacements", "stocking spare motors", "switching abrasives brands",
    "a credit on a returned valve", "their shutdown next month", "the VMI cycle count",
    "a quote for welding consumables", "consolidating shipments", "the invoice format AP needs",
    "a substitute for a discontinued seal", "training on the new torque tools",
)  # fmt: skip

INFORMATION: tuple[str, ...] = (
    "a spec sheet comparing two gearbox lubricants", "an article on cutting energy use in "
    "compressed air", "the OSHA update on hearing protection", "a case study on predictive "
    "maintenance", "the manufacturer's recall notice before they heard of it", "a list of "
    "grants for workforce training", "a way to cut their filter spend by a third",
    "the lead-time forecast for steel products",
)  # fmt: skip

EVENTS: tuple[str, ...] = (
    "the chamber of commerce breakfast", "our open house", "the regional trade show",
    "the manufacturers' association dinner", "the supplier day at their plant",
    "the charity golf outing",
)  # fmt: skip

NOTE_REASONS: tuple[str, ...] = (
    "the order last week", "the plant tour", "the referral to their sister plant",
    "their patience with the backorder", "ten years of business", "the warm welcome on our visit",
    "taking the time to sit down with us", "sending back the survey",
)  # fmt: skip

# Touch summaries by channel (index as CHANNELS); {p} a person, {t} a topic, {i} information,
# {e} an event, {r} a reason for thanks.
SUMMARIES: tuple[tuple[str, ...], ...] = (
    (
        "Called {p} about {t}",
        "{p} called about {t}",
        "Checked in with {p} on {t}",
        "Called {p}: no issues, asked what else we can take off their plate",
        "Returned {p}'s call about {t}",
    ),
    (
        "Visited the plant; walked the floor with {p} and talked about {t}",
        "Stopped by with samples for {p}; discussed {t}",
        "On-site visit: {p} showed us the new line",
    ),
    (
        "Sat down with {p}: asked about goals for the coming quarter and the drawing board",
        "Sit-down with {p}: what else can we do for you? Talked about {t}",
        "Quarterly review with {p}: their plans and how they could change what they buy",
    ),
    (
        "Handwritten thank-you note to {p} for {r}",
        "Note card to {p}: thanks for {r}",
    ),
    (
        "Emailed {p} {i}",
        "Emailed {p} about {t}",
        "{p} emailed about {t}",
    ),
    (
        "Met {p} at {e}",
        "Caught up with {p} at {e}",
    ),
    (
        "Texted {p} about {t}",
        "Dropped off a replacement part for {p}",
    ),
)

NO_CONTACT = "the front desk"

PROMISES: tuple[str, ...] = (
    "Send the updated price list", "Check stock on 3/4\" ball valves",
    "Get a quote for replacement conveyor belts", "Find a substitute for the discontinued seal",
    "Arrange a tour of our warehouse for their new buyer", "Confirm the delivery date",
    "Send the safety data sheets", "Set up vendor-managed inventory bins",
    "Call back with the credit for the returned motor", "Bring samples of the new gloves",
    "Introduce them to our hydraulics specialist", "Send the lead-time forecast",
    "Resolve the invoice discrepancy", "Expedite the backordered bearings",
    "Schedule a training session on the torque tools", "Send the recall notice details",
)  # fmt: skip

QUOTE_ITEMS: tuple[str, ...] = (
    "Hydraulic hoses and fittings", "Bearings and seals", "Cutting tools", "Abrasives",
    "Safety supplies", "Conveyor belting", "Gear motors", "Ball valves", "Filtration",
    "Welding consumables", "Lubricants", "Fasteners", "Pneumatic cylinders", "Pump rebuild kit",
    "Power transmission parts", "Material handling carts",
)  # fmt: skip

QUOTE_PURPOSES: tuple[str, ...] = (
    "for the line 3 retrofit", "for the annual shutdown", "restock", "for the new building",
    "blanket order, 12 months", "for the maintenance crib", "spares", "trial order",
)  # fmt: skip

# Fact texts by kind (index as FACT_KINDS); {p} a person, {c} a city, {y} a year, {n} a number.
FACTS: tuple[tuple[str, ...], ...] = (
    (
        "Cut unplanned downtime by 10%",
        "Add a second shift on the packaging line",
        "Win the automotive supplier certification",
        "Reduce MRO inventory without stockouts",
        "Bring maintenance spend under budget",
        "Ship the new product line on time",
        "Get their safety incident rate to zero",
    ),
    (
        "Planning a new building on the east lot",
        "Looking at robotic welding cells",
        "Considering moving to vendor-managed inventory",
        "Evaluating a switch to synthetic lubricants plant-wide",
        "Thinking about acquiring a competitor in {c}",
        "Quoting a large contract that would double output",
    ),
    (
        "Moving to four ten-hour days in the summer",
        "Hiring {n} machine operators this year",
        "Consolidating purchasing at headquarters",
        "Shutting down two weeks in July for retooling",
        "New ERP going live next quarter; PO numbers will change",
    ),
    (
        "Founded in {y} by the current owner's grandfather",
        "Started in a garage in {c}; moved to the current plant in {y}",
        "Family-owned, third generation",
        "Spun off from a larger manufacturer in {y}",
        "Bought by a private-equity group in {y}",
    ),
    (
        "{p} restores old tractors",
        "{p} is a serious bass fisherman",
        "{p} runs marathons",
        "{p} follows the Packers closely",
        "{p} brews beer at home",
        "{p} plays in a bluegrass band",
    ),
    (
        "{p} coaches a youth soccer team",
        "{p} volunteers at the food bank",
        "{p} is on the board of the local technical college",
        "{p} organizes the toy drive in December",
    ),
    (
        "{p} has two kids in college",
        "{p} just became a grandparent",
        "{p}'s daughter started working at the plant",
        "{p} got married last spring",
    ),
    (
        "Values on-time delivery over price",
        "Wants one invoice a month, not one per order",
        "Cares most about technical help on the floor",
        "Prizes a quick answer on the phone",
    ),
    (
        "Sees us as their maintenance crib, not just a supplier",
        "Splits spend between us and two other distributors",
        "Expects us to bring ideas, not only parts",
        "Uses us for emergencies; buys commodities online",
    ),
    (
        "Toured the plant: {n} people on two shifts and a busy tool crib",
        "Walked the new facility with the plant manager",
    ),
    (
        "Prefers deliveries before 10 a.m.",
        "Receiving dock closed on Fridays",
        "Pays on net 45",
    ),
)
