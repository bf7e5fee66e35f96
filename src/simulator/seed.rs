//! The simulator's seed: the curated demo directory in `assets/` plus deterministic generated people.
//!
//! One list of people feeds all three simulated services, so the same person can be found in
//! several of them (with deliberate differences in the curated set). Generated people come from a
//! fixed-seed generator: the same `--users N` gives the same people on every run.

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
    /// Every person, with their presence in each service.
    pub people: Vec<PersonSeed>,
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
        let first_looker_id = seed
            .people
            .iter()
            .filter_map(|p| p.looker.as_ref()?.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let group_names: Vec<String> = seed.looker.groups.iter().map(|g| g.name.clone()).collect();
        seed.people.extend(
            (0..generated).map(|index| generated_person(index, first_looker_id, &group_names)),
        );
        Ok(seed)
    }
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

fn generated_person(index: usize, first_looker_id: u64, groups: &[String]) -> PersonSeed {
    let bits = mix(index as u64);
    let first = pick(GIVEN, bits);
    let last = pick(FAMILY, bits >> 8);
    let number = index + 1;
    let username = format!(
        "{}{}{number}",
        first.to_ascii_lowercase().chars().next().unwrap_or('u'),
        last.to_ascii_lowercase()
    );
    let email = format!(
        "{}.{}{number}@example.com",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase()
    );
    let department = pick(DEPARTMENTS, bits >> 16);
    let active = !bits.is_multiple_of(17);
    let mut looker_attributes = BTreeMap::new();
    if bits.is_multiple_of(5) {
        looker_attributes.insert("region".to_owned(), pick(REGIONS, bits >> 24).to_owned());
    }
    if bits.is_multiple_of(7) {
        looker_attributes.insert("team".to_owned(), department.to_ascii_lowercase());
    }
    let mut looker_groups = vec!["All Users".to_owned()];
    if let Some(group) = groups.iter().find(|g| g.as_str() == department) {
        looker_groups.push(group.clone());
    }
    let mut crowd_attributes = BTreeMap::new();
    crowd_attributes.insert("department".to_owned(), vec![department.to_owned()]);
    if bits.is_multiple_of(3) {
        crowd_attributes.insert(
            "skills".to_owned(),
            vec![
                "sql".to_owned(),
                pick(&["rust", "go", "python"], bits >> 32).to_owned(),
            ],
        );
    }
    PersonSeed {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email,
        username,
        looker: Some(LookerAccountSeed {
            id: (first_looker_id + index as u64).to_string(),
            disabled: !active,
            email: None,
            locale: None,
            groups: looker_groups,
            attributes: looker_attributes,
        }),
        crowd: Some(CrowdAccountSeed {
            active,
            email: None,
            groups: vec!["jira-software-users".to_owned()],
            attributes: crowd_attributes,
            password: None,
        }),
        scim: Some(ScimAccountSeed {
            active,
            external_id: Some(format!("gen-{number:08}")),
            title: Some(format!("{department} Specialist")),
            department: Some(department.to_owned()),
            organization: Some("Example Ltd".to_owned()),
            timezone: Some(pick(ZONES, bits >> 40).to_owned()),
            preferred_language: Some("en-US".to_owned()),
            ..ScimAccountSeed::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_directory_loads_and_generation_is_deterministic() {
        let a = Seed::demo(50).expect("seed");
        let b = Seed::demo(50).expect("seed");
        assert!(a.people.len() >= 36 + 50);
        let names = |s: &Seed| s.people.iter().map(|p| p.email.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        let mut emails = names(&a);
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), a.people.len(), "emails are unique");
    }
}
