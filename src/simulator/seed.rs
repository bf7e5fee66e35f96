//! The simulator's seed: the curated demo directory in `assets/` plus deterministic generated people.
//!
//! One list of people feeds all three simulated services, so the same person can be found in
//! several of them (with deliberate differences in the curated set). Generated people come from a
//! fixed-seed generator: the same `--users N` gives the same people on every run. They are made
//! one at a time as each store reads them ([`Seed::people`]), never held all at once, so seeding
//! a large directory costs each store only its own records.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

/// The curated demo directory, embedded in the binary.
const DEMO_DIRECTORY: &str = include_str!("../../assets/demo/directory.json");

/// The whole seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Looker's groups, attribute definitions and group values.
    pub looker: LookerSeed,
    /// Crowd's groups (people name the groups they belong to directly).
    #[serde(default)]
    pub crowd: CrowdSeed,
    /// The curated people of `assets/`, with their presence in each service.
    #[serde(rename = "people")]
    pub curated: Vec<PersonSeed>,
    /// How many generated people follow the curated ones.
    #[serde(skip)]
    pub generated: usize,
    /// The first Looker id of the generated people (after the curated ones).
    #[serde(skip)]
    first_generated_looker_id: u64,
    /// The Looker group names a generated person may join by department.
    #[serde(skip)]
    looker_group_names: Vec<String>,
}

/// Crowd-wide seed data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdSeed {
    /// Groups with their settings, attributes and nesting. A group a person names that is not
    /// listed here is created plain.
    #[serde(default)]
    pub groups: Vec<CrowdGroupSeed>,
}

/// A Crowd group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdGroupSeed {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Active (default true).
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Multi-valued group attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Groups nested directly in this one: their members are nested members of this group.
    #[serde(default)]
    pub child_groups: Vec<String>,
}

fn active_by_default() -> bool {
    true
}

/// Looker-wide seed data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookerSeed {
    /// Groups.
    pub groups: Vec<GroupSeed>,
    /// Attribute definitions.
    pub user_attributes: Vec<AttributeSeed>,
    /// Group values by group and attribute name.
    pub group_values: Vec<GroupValueSeed>,
}

/// A Looker group.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSeed {
    /// Numeric id as a string.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A Looker attribute definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSeed {
    /// Numeric id as a string.
    pub id: String,
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Value type.
    #[serde(rename = "type")]
    pub value_type: String,
    /// Default value.
    pub default_value: Option<String>,
    /// Hidden values.
    pub value_is_hidden: bool,
    /// Users may view their value.
    pub user_can_view: bool,
    /// Users may edit their value.
    pub user_can_edit: bool,
    /// Built in.
    pub is_system: bool,
    /// Cannot be deleted.
    pub is_permanent: bool,
    /// Allowed destinations for hidden values.
    pub hidden_value_domain_whitelist: Option<String>,
}

/// One group's value for an attribute.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupValueSeed {
    /// Group name.
    pub group: String,
    /// Attribute name.
    pub attribute: String,
    /// The value.
    pub value: String,
    /// Precedence; lower wins.
    pub rank: i64,
}

/// One person and their accounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonSeed {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// The usual email.
    pub email: String,
    /// The usual username.
    pub username: String,
    /// The Looker account, if any.
    pub looker: Option<LookerAccountSeed>,
    /// The Crowd account, if any.
    pub crowd: Option<CrowdAccountSeed>,
    /// The SCIM account, if any.
    pub scim: Option<ScimAccountSeed>,
}

/// A person's Looker account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookerAccountSeed {
    /// Numeric id as a string.
    pub id: String,
    /// Disabled.
    pub disabled: bool,
    /// Email when it differs from the person's.
    pub email: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// The user's own attribute values by attribute name.
    pub attributes: BTreeMap<String, String>,
}

/// A person's Crowd account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrowdAccountSeed {
    /// Active.
    pub active: bool,
    /// Email when it differs from the person's.
    pub email: Option<String>,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Multi-valued custom attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
    /// The password; absent, the store's documented demo password.
    #[serde(default)]
    pub password: Option<String>,
}

/// A person's SCIM account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimAccountSeed {
    /// Active.
    pub active: bool,
    /// Email when it differs from the person's.
    pub email: Option<String>,
    /// The IdP's id.
    pub external_id: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Enterprise department.
    pub department: Option<String>,
    /// Enterprise organization.
    pub organization: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Preferred language tag.
    pub preferred_language: Option<String>,
    /// Nickname.
    pub nick_name: Option<String>,
    /// Work phone.
    pub phone: Option<String>,
}

impl Seed {
    /// The curated demo directory plus `generated` deterministic people.
    pub fn demo(generated: usize) -> Result<Self, String> {
        let mut seed: Seed = serde_json::from_str(DEMO_DIRECTORY)
            .map_err(|e| format!("assets/demo/directory.json is invalid: {e}"))?;
        seed.first_generated_looker_id = seed
            .curated
            .iter()
            .filter_map(|p| p.looker.as_ref()?.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        seed.looker_group_names = seed.looker.groups.iter().map(|g| g.name.clone()).collect();
        seed.generated = generated;
        Ok(seed)
    }

    /// Every person: the curated ones, then the generated ones, each made as it is read.
    pub fn people(&self) -> impl Iterator<Item = Cow<'_, PersonSeed>> {
        self.people_with(Accounts::ALL)
    }

    /// Every person, as [`Seed::people`], but a generated person carries only the accounts
    /// `accounts` asks for (a store reads only its own service's account, so it asks for that one
    /// and the others are never made).
    pub fn people_with(&self, accounts: Accounts) -> impl Iterator<Item = Cow<'_, PersonSeed>> {
        let generator = Generator {
            first_looker_id: self.first_generated_looker_id,
            looker_groups: &self.looker_group_names,
        };
        self.curated.iter().map(Cow::Borrowed).chain(
            (0..self.generated).map(move |index| Cow::Owned(generator.person(index, accounts))),
        )
    }
}

/// Which accounts of a generated person are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accounts {
    /// The Looker account.
    pub looker: bool,
    /// The Crowd account.
    pub crowd: bool,
    /// The SCIM account.
    pub scim: bool,
}

impl Accounts {
    /// Every account.
    pub const ALL: Self = Self {
        looker: true,
        crowd: true,
        scim: true,
    };
    /// Only the Looker account.
    pub const LOOKER: Self = Self {
        looker: true,
        crowd: false,
        scim: false,
    };
    /// Only the Crowd account.
    pub const CROWD: Self = Self {
        looker: false,
        crowd: true,
        scim: false,
    };
    /// Only the SCIM account.
    pub const SCIM: Self = Self {
        looker: false,
        crowd: false,
        scim: true,
    };
}

const GIVEN: &[&str] = &[
    "Amara", "Bjorn", "Chen", "Dalia", "Emeka", "Freya", "Goran", "Hana", "Idris", "Jonas",
    "Kavya", "Lena", "Mateo", "Nadia", "Oskar", "Petra", "Quinn", "Rafael", "Sana", "Tomas", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zofia",
];
const FAMILY: &[&str] = &[
    "Abara",
    "Berg",
    "Castillo",
    "Dossou",
    "Eriksen",
    "Fujita",
    "Gashi",
    "Horvath",
    "Ivanova",
    "Jansen",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Sato",
    "Tanaka",
    "Urbina",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zielinski",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Support",
    "Finance",
    "Marketing",
    "Operations",
];
const REGIONS: &[&str] = &["EMEA", "NA", "APAC", "LATAM"];
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "America/Sao_Paulo",
];

/// A deterministic 64-bit mix of an index (splitmix64).
fn mix(index: u64) -> u64 {
    let mut z = index.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick<'a>(list: &[&'a str], bits: u64) -> &'a str {
    list[(bits % list.len() as u64) as usize]
}

/// What generates the people after the curated ones.
#[derive(Debug, Clone, Copy)]
struct Generator<'a> {
    first_looker_id: u64,
    looker_groups: &'a [String],
}

impl Generator<'_> {
    /// The generated person at `index`, with the accounts `accounts` asks for.
    fn person(&self, index: usize, accounts: Accounts) -> PersonSeed {
        let bits = mix(index as u64);
        let first = pick(GIVEN, bits);
        let last = pick(FAMILY, bits >> 8);
        let number = index + 1;
        let (first_lower, last_lower) = (first.to_ascii_lowercase(), last.to_ascii_lowercase());
        let username = format!(
            "{}{last_lower}{number}",
            first_lower.chars().next().unwrap_or('u')
        );
        let email = format!("{first_lower}.{last_lower}{number}@example.com");
        let person = Generated {
            index,
            number,
            bits,
            department: pick(DEPARTMENTS, bits >> 16),
            active: !bits.is_multiple_of(17),
        };
        PersonSeed {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email,
            username,
            looker: accounts.looker.then(|| self.looker_account(&person)),
            crowd: accounts.crowd.then(|| person.crowd_account()),
            scim: accounts.scim.then(|| person.scim_account()),
        }
    }

    fn looker_account(&self, person: &Generated) -> LookerAccountSeed {
        let bits = person.bits;
        let mut attributes = BTreeMap::new();
        if bits.is_multiple_of(5) {
            attributes.insert("region".to_owned(), pick(REGIONS, bits >> 24).to_owned());
        }
        if bits.is_multiple_of(7) {
            attributes.insert("team".to_owned(), person.department.to_ascii_lowercase());
        }
        let mut groups = vec!["All Users".to_owned()];
        if let Some(group) = self
            .looker_groups
            .iter()
            .find(|g| g.as_str() == person.department)
        {
            groups.push(group.clone());
        }
        LookerAccountSeed {
            id: (self.first_looker_id + person.index as u64).to_string(),
            disabled: !person.active,
            email: None,
            locale: None,
            groups,
            attributes,
        }
    }
}

/// The traits of a generated person that its accounts are made from.
struct Generated {
    index: usize,
    number: usize,
    bits: u64,
    department: &'static str,
    active: bool,
}

impl Generated {
    fn crowd_account(&self) -> CrowdAccountSeed {
        let mut attributes = BTreeMap::new();
        attributes.insert("department".to_owned(), vec![self.department.to_owned()]);
        if self.bits.is_multiple_of(3) {
            attributes.insert(
                "skills".to_owned(),
                vec![
                    "sql".to_owned(),
                    pick(&["rust", "go", "python"], self.bits >> 32).to_owned(),
                ],
            );
        }
        CrowdAccountSeed {
            active: self.active,
            email: None,
            groups: vec!["jira-software-users".to_owned()],
            attributes,
            password: None,
        }
    }

    fn scim_account(&self) -> ScimAccountSeed {
        ScimAccountSeed {
            active: self.active,
            external_id: Some(format!("gen-{:08}", self.number)),
            title: Some(format!("{} Specialist", self.department)),
            department: Some(self.department.to_owned()),
            organization: Some("Example Ltd".to_owned()),
            timezone: Some(pick(ZONES, self.bits >> 40).to_owned()),
            preferred_language: Some("en-US".to_owned()),
            ..ScimAccountSeed::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_directory_loads_and_generation_is_deterministic() {
        let a = Seed::demo(50).expect("seed");
        let b = Seed::demo(50).expect("seed");
        assert!(a.people().count() >= 36 + 50);
        let names = |s: &Seed| s.people().map(|p| p.email.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        let mut emails = names(&a);
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), a.people().count(), "emails are unique");
    }
}
