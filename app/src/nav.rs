//! The registry of implemented pages. The icon rail, the submenu, the workspace tab titles and
//! the Ctrl+K page search are all built from it, filtered by the user's portal: a section
//! appears only when its pages exist.

use crate::ui::icons::Icon;
use domain::access::{Portal, Role};
use domain::features::Feature;

/// A page that can be opened: its path (segments starting with `:` match any value), title and
/// search keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavPage {
    /// Route pattern, e.g. `/admin/users/:id`.
    pub path: &'static str,
    /// Title in the submenu, tabs and search.
    pub title: &'static str,
    /// Extra words the page search matches.
    pub keywords: &'static str,
    /// Whether the submenu lists it (detail pages are reached from lists).
    pub in_menu: bool,
    /// Roles that may open it, besides the portal check; empty means every role of the portal.
    pub roles: &'static [Role],
    /// The customer feature it belongs to: shown only to customers that have it (and its server
    /// functions refuse the others with 403).
    pub feature: Option<Feature>,
}

/// A section of a portal: one rail icon and its submenu.
#[derive(Debug, Clone, Copy)]
pub struct NavSection {
    /// Stable id, e.g. `users`.
    pub id: &'static str,
    /// Name in the rail tooltip and the submenu heading.
    pub label: &'static str,
    /// Rail icon.
    pub icon: Icon,
    /// The portal it belongs to.
    pub portal: Portal,
    /// Its pages; the first is where the rail icon leads.
    pub pages: &'static [NavPage],
}

const fn page(path: &'static str, title: &'static str, keywords: &'static str) -> NavPage {
    NavPage {
        path,
        title,
        keywords,
        in_menu: true,
        roles: &[],
        feature: None,
    }
}

const fn detail(path: &'static str, title: &'static str) -> NavPage {
    NavPage {
        path,
        title,
        keywords: "",
        in_menu: false,
        roles: &[],
        feature: None,
    }
}

const HOME_WORDS: &str = "home overview start dashboard";
const PROFILE_WORDS: &str = "password theme account settings profile";
const API_WORDS: &str = "api keys tokens rest integration developers";

const fn overview(portal: Portal, pages: &'static [NavPage]) -> NavSection {
    NavSection {
        id: "overview",
        label: "Overview",
        icon: Icon::Home,
        portal,
        pages,
    }
}

const fn account(portal: Portal, pages: &'static [NavPage]) -> NavSection {
    NavSection {
        id: "account",
        label: "My account",
        icon: Icon::UserCircle,
        portal,
        pages,
    }
}

/// Every section of every portal, in rail order.
pub const SECTIONS: &[NavSection] = &[
    overview(Portal::Admin, &[page("/admin", "Dashboard", HOME_WORDS)]),
    NavSection {
        id: "users",
        label: "Users & access",
        icon: Icon::Users,
        portal: Portal::Admin,
        pages: &[
            page(
                "/admin/users",
                "Users",
                "people accounts staff logins disable reset password",
            ),
            NavPage {
                roles: &[Role::SuperAdmin, Role::Admin],
                ..page("/admin/users/new", "New user", "create add invite")
            },
            detail("/admin/users/:id", "User"),
        ],
    },
    NavSection {
        id: "customers",
        label: "Customers",
        icon: Icon::Building,
        portal: Portal::Admin,
        pages: &[
            page(
                "/admin/customers",
                "Customers",
                "accounts companies clients billing credit limit export csv",
            ),
            page("/admin/customers/new", "New customer", "create add account"),
            detail("/admin/customers/:id", "Customer"),
            page(
                "/admin/payments",
                "Payments",
                "payments top-ups stripe card refunds disputes chargebacks",
            ),
            page(
                "/admin/statements",
                "Statements",
                "statements invoices pdf period customers opening closing balance numbers",
            ),
            page(
                "/admin/promo-codes",
                "Promo codes",
                "promo codes bonus coupons discount top-up credit marketing",
            ),
            page(
                "/admin/referrals",
                "Referrals",
                "referrals referral programme rewards share sign-up link affiliate marketing",
            ),
            page(
                "/admin/customer-categories",
                "Categories & groups",
                "wholesale retail enterprise segments groups",
            ),
            page(
                "/admin/features",
                "Feature assignment",
                "features access permissions enable disable modules",
            ),
        ],
    },
    NavSection {
        id: "carriers",
        label: "Carriers",
        icon: Icon::Route,
        portal: Portal::Admin,
        pages: &[
            page(
                "/admin/carriers",
                "Carriers",
                "suppliers vendors termination trunks sip ip cps channels technical prefix",
            ),
            page(
                "/admin/carriers/new",
                "New carrier",
                "create add supplier vendor",
            ),
            detail("/admin/carriers/:id", "Carrier"),
            detail("/admin/carriers/:id/decks/:deck", "Rate deck"),
            page(
                "/admin/routing",
                "Routing tiers",
                "tiers quality premium standard economy routing plans lcr strategy failover blocked margin",
            ),
            page(
                "/admin/lcr-tester",
                "LCR tester",
                "least cost routing test number route carriers order excluded",
            ),
            page(
                "/admin/cdrs",
                "CDRs",
                "cdr call detail records calls upload csv rated unrated unpaid charges traffic",
            ),
            page(
                "/admin/rerating",
                "Re-rating",
                "re-rate rerate rerating dry run deck fix correct charges adjustment period cdrs",
            ),
            detail("/admin/rerating/:id", "Re-rating"),
            page(
                "/admin/margins",
                "Revenue & margin",
                "revenue cost margin profit report by carrier customer destination chart",
            ),
            page(
                "/admin/sell-cards",
                "Sell rate cards",
                "sell rates customer price list markup margin publish notice card",
            ),
            detail("/admin/sell-cards/:id", "Sell card"),
            page(
                "/admin/destinations",
                "A-Z destinations",
                "a-z destination database countries prefixes mobile fixed premium satellite toll-free numbering",
            ),
        ],
    },
    NavSection {
        id: "platform",
        label: "Platform",
        icon: Icon::Globe,
        portal: Portal::Admin,
        pages: &[
            page(
                "/admin/tenants",
                "Tenants",
                "white label brands domains logo colour",
            ),
            NavPage {
                roles: &[Role::SuperAdmin],
                ..page(
                    "/admin/tenants/new",
                    "New tenant",
                    "create brand white label",
                )
            },
            detail("/admin/tenants/:id", "Tenant"),
            page(
                "/admin/audit",
                "Audit log",
                "history changes who when security export",
            ),
        ],
    },
    NavSection {
        id: "system",
        label: "System",
        icon: Icon::Cog,
        portal: Portal::Admin,
        pages: &[NavPage {
            roles: &[Role::SuperAdmin],
            ..page(
                "/admin/jobs",
                "Jobs",
                "queues workers background tasks failures retry fx exchange rates cleanup",
            )
        }],
    },
    account(
        Portal::Admin,
        &[
            page("/admin/profile", "My profile", PROFILE_WORDS),
            page("/admin/api-keys", "API keys", API_WORDS),
        ],
    ),
    overview(
        Portal::Customer,
        &[page("/customer", "Dashboard", HOME_WORDS)],
    ),
    NavSection {
        id: "voice",
        label: "Voice",
        icon: Icon::Route,
        portal: Portal::Customer,
        pages: &[
            page(
                "/customer/rates",
                "My rates",
                "rates prices per minute rate card termination destinations download csv notices",
            ),
            detail("/customer/rates/:id", "Rate card"),
            page(
                "/customer/calls",
                "My calls",
                "calls cdr call detail records history usage charges destinations",
            ),
            page(
                "/customer/usage",
                "Usage",
                "usage spend cost per day destination chart minutes calls",
            ),
        ],
    },
    NavSection {
        id: "billing",
        label: "Billing",
        icon: Icon::Wallet,
        portal: Portal::Customer,
        pages: &[
            page(
                "/customer/balance",
                "Balance",
                "balance credit ledger entries charges transactions statement export csv",
            ),
            page(
                "/customer/top-up",
                "Top up",
                "top-up top up pay card stripe paypal payment add funds credit balance payments",
            ),
            page(
                "/customer/statements",
                "Statements",
                "statements invoices pdf period monthly account opening closing balance",
            ),
            NavPage {
                feature: Some(Feature::Referrals),
                ..page(
                    "/customer/referrals",
                    "Referrals",
                    "referrals referral link invite sign-up rewards earn credit",
                )
            },
        ],
    },
    account(
        Portal::Customer,
        &[
            page("/customer/profile", "My profile", PROFILE_WORDS),
            NavPage {
                feature: Some(Feature::ApiAccess),
                ..page("/customer/api-keys", "API keys", API_WORDS)
            },
        ],
    ),
    overview(
        Portal::Carrier,
        &[page("/carrier", "Dashboard", HOME_WORDS)],
    ),
    NavSection {
        id: "carrier-decks",
        label: "Rates",
        icon: Icon::Route,
        portal: Portal::Carrier,
        pages: &[
            page(
                "/carrier/decks",
                "Rate decks",
                "rate deck upload prices csv xlsx rate changes refused rows export",
            ),
            detail("/carrier/decks/:deck", "Rate deck"),
        ],
    },
    account(
        Portal::Carrier,
        &[page("/carrier/profile", "My profile", PROFILE_WORDS)],
    ),
    overview(Portal::Switch, &[page("/switch", "Dashboard", HOME_WORDS)]),
    NavSection {
        id: "carriers",
        label: "Carriers",
        icon: Icon::Route,
        portal: Portal::Switch,
        pages: &[
            page(
                "/switch/carriers",
                "Carriers",
                "suppliers vendors termination trunks sip ip cps channels technical prefix",
            ),
            page(
                "/switch/carriers/new",
                "New carrier",
                "create add supplier vendor",
            ),
            detail("/switch/carriers/:id", "Carrier"),
            detail("/switch/carriers/:id/decks/:deck", "Rate deck"),
            page(
                "/switch/routing",
                "Routing tiers",
                "tiers quality premium standard economy routing plans lcr strategy failover blocked margin",
            ),
            page(
                "/switch/lcr-tester",
                "LCR tester",
                "least cost routing test number route carriers order excluded",
            ),
            page(
                "/switch/cdrs",
                "CDRs",
                "cdr call detail records calls upload csv rated unrated unpaid charges traffic",
            ),
            page(
                "/switch/sell-cards",
                "Sell rate cards",
                "sell rates customer price list markup margin publish notice card",
            ),
            detail("/switch/sell-cards/:id", "Sell card"),
            page(
                "/switch/destinations",
                "A-Z destinations",
                "a-z destination database countries prefixes mobile fixed premium satellite toll-free numbering",
            ),
        ],
    },
    account(
        Portal::Switch,
        &[
            page("/switch/profile", "My profile", PROFILE_WORDS),
            page("/switch/api-keys", "API keys", API_WORDS),
        ],
    ),
];

/// The sections a user with `role` and `features` sees in `portal` (none for another portal's
/// role).
pub fn sections(portal: Portal, role: Role, features: &[Feature]) -> Vec<&'static NavSection> {
    if !portal.admits(role) {
        return Vec::new();
    }
    SECTIONS
        .iter()
        .filter(|s| s.portal == portal && s.pages.iter().any(|p| p.shown_to(role, features)))
        .collect()
}

impl NavPage {
    /// Whether `role` may open this page (the portal check comes first).
    pub fn allows(&self, role: Role) -> bool {
        self.roles.is_empty() || self.roles.contains(&role)
    }

    /// Whether a user with `role` and `features` sees this page in menus and search.
    pub fn shown_to(&self, role: Role, features: &[Feature]) -> bool {
        self.allows(role) && self.feature.is_none_or(|f| features.contains(&f))
    }

    /// Whether `path` (no query string) is this page.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        let pattern = self.path.trim_end_matches('/');
        let mut given = path.split('/');
        let mut wanted = pattern.split('/');
        loop {
            match (given.next(), wanted.next()) {
                (None, None) => return true,
                (Some(g), Some(w)) if w.starts_with(':') && !g.is_empty() => {}
                (Some(g), Some(w)) if g == w => {}
                _ => return false,
            }
        }
    }
}

/// The registered page at `path` and its section.
pub fn find(path: &str) -> Option<(&'static NavSection, &'static NavPage)> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    SECTIONS
        .iter()
        .find_map(|s| s.pages.iter().find(|p| p.matches(path)).map(|p| (s, p)))
}

/// The title of the page at `path`: a detail page adds its id (`User 7`).
pub fn title(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let (_, page) = find(path)?;
    if page.in_menu {
        return Some(page.title.to_owned());
    }
    let id = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    Some(format!("{} {id}", page.title))
}

/// The menu pages of `portal` whose title, section or keywords contain every word of `query`
/// (case-insensitive), for the page search.
pub fn search(
    portal: Portal,
    role: Role,
    features: &[Feature],
    query: &str,
) -> Vec<(&'static NavSection, &'static NavPage)> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    sections(portal, role, features)
        .into_iter()
        .flat_map(move |s| {
            s.pages
                .iter()
                .filter(move |p| p.in_menu && p.shown_to(role, features))
                .map(move |p| (s, p))
        })
        .filter(|(s, p)| {
            let haystack = format!("{} {} {}", p.title, s.label, p.keywords).to_lowercase();
            words.iter().all(|w| haystack.contains(w.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_portal_has_sections_for_its_roles_only() {
        for role in Role::ALL {
            for portal in Portal::ALL {
                let visible = sections(portal, role, &[]);
                assert_eq!(
                    !visible.is_empty(),
                    portal.admits(role),
                    "{role:?} in {portal:?}"
                );
            }
        }
        assert!(
            sections(Portal::Admin, Role::Admin, &[])
                .iter()
                .any(|s| s.id == "users")
        );
        assert!(
            sections(Portal::Customer, Role::Customer, &[])
                .iter()
                .all(|s| s.id != "users")
        );
    }

    #[test]
    fn paths_find_their_pages_and_titles() {
        assert_eq!(title("/admin/users").as_deref(), Some("Users"));
        assert_eq!(
            title("/admin/users/17?tab=security").as_deref(),
            Some("User 17")
        );
        assert_eq!(title("/admin/users/new").as_deref(), Some("New user"));
        assert_eq!(title("/admin/").as_deref(), Some("Dashboard"));
        assert_eq!(title("/admin/nothing"), None);
        assert_eq!(title("/customer/profile").as_deref(), Some("My profile"));
    }

    #[test]
    fn search_matches_all_words_within_the_portal() {
        let hits = search(Portal::Admin, Role::SuperAdmin, &[], "PASSWORD");
        assert_eq!(
            hits.iter().map(|(_, p)| p.path).collect::<Vec<_>>(),
            ["/admin/users", "/admin/profile"]
        );
        assert!(search(Portal::Customer, Role::Customer, &[], "users").is_empty());
        // A feature's pages are found only by customers that have it.
        assert!(search(Portal::Customer, Role::Customer, &[], "api keys").is_empty());
        assert_eq!(
            search(
                Portal::Customer,
                Role::Customer,
                &[Feature::ApiAccess],
                "api keys"
            )
            .len(),
            1
        );
    }
}
