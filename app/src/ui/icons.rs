//! Inline SVG icons (24x24 outline, stroke `currentColor`), so they follow the theme and need no
//! request of their own.

use leptos::prelude::*;

/// The icons the shell uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    /// A house: overview pages.
    Home,
    /// Two people: users.
    Users,
    /// A person in a circle: the signed-in user's account.
    UserCircle,
    /// A magnifier: search.
    Search,
    /// A sun: light theme.
    Sun,
    /// A moon: dark theme.
    Moon,
    /// A monitor: system theme.
    Monitor,
    /// A cross: close.
    Close,
    /// Chevrons: collapse or expand the submenu.
    Chevrons,
    /// An office building: customers.
    Building,
    /// A globe: the platform (tenants, audit).
    Globe,
    /// A gear: system (jobs).
    Cog,
    /// Arrows both ways: carriers and routing.
    Route,
    /// A wallet: balance and billing.
    Wallet,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Home => "M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10",
            Icon::Users => {
                "M16 19v-1a4 4 0 00-4-4H6a4 4 0 00-4 4v1M9 10a3 3 0 100-6 3 3 0 000 6M22 19v-1a4 4 0 00-3-3.9M16 4.1a3 3 0 010 5.8"
            }
            Icon::UserCircle => {
                "M12 22a10 10 0 100-20 10 10 0 000 20M12 13a3 3 0 100-6 3 3 0 000 6M6.2 18.6a7 7 0 0111.6 0"
            }
            Icon::Search => "M11 19a8 8 0 100-16 8 8 0 000 16M21 21l-4.3-4.3",
            Icon::Sun => {
                "M12 17a5 5 0 100-10 5 5 0 000 10M12 1v2M12 21v2M4.2 4.2l1.4 1.4M18.4 18.4l1.4 1.4M1 12h2M21 12h2M4.2 19.8l1.4-1.4M18.4 5.6l1.4-1.4"
            }
            Icon::Moon => "M21 12.8A9 9 0 1111.2 3a7 7 0 009.8 9.8",
            Icon::Monitor => "M4 4h16v12H4zM8 20h8M12 16v4",
            Icon::Close => "M6 6l12 12M18 6L6 18",
            Icon::Chevrons => "M11 17l-5-5 5-5M18 17l-5-5 5-5",
            Icon::Building => {
                "M4 21V5l8-3v19M12 8h8v13M4 21h17M8 8v.01M8 12v.01M8 16v.01M16 12v.01M16 16v.01"
            }
            Icon::Cog => {
                "M12 15a3 3 0 100-6 3 3 0 000 6M19.4 15a1.7 1.7 0 00.3 1.8l.1.1a2 2 0 11-2.8 2.8l-.1-.1a1.7 1.7 0 00-1.8-.3 1.7 1.7 0 00-1 1.5V21a2 2 0 11-4 0v-.1a1.7 1.7 0 00-1.1-1.5 1.7 1.7 0 00-1.8.3l-.1.1a2 2 0 11-2.8-2.8l.1-.1a1.7 1.7 0 00.3-1.8 1.7 1.7 0 00-1.5-1H3a2 2 0 110-4h.1a1.7 1.7 0 001.5-1.1 1.7 1.7 0 00-.3-1.8l-.1-.1a2 2 0 112.8-2.8l.1.1a1.7 1.7 0 001.8.3H9a1.7 1.7 0 001-1.5V3a2 2 0 114 0v.1a1.7 1.7 0 001 1.5 1.7 1.7 0 001.8-.3l.1-.1a2 2 0 112.8 2.8l-.1.1a1.7 1.7 0 00-.3 1.8V9a1.7 1.7 0 001.5 1H21a2 2 0 110 4h-.1a1.7 1.7 0 00-1.5 1"
            }
            Icon::Route => "M4 7h14l-3-3M18 7l-3 3M20 17H6l3-3M6 17l3 3",
            Icon::Wallet => {
                "M4 7h15a1 1 0 011 1v11a1 1 0 01-1 1H5a1 1 0 01-1-1V6a2 2 0 012-2h11v3M16 13.5h1"
            }
            Icon::Globe => {
                "M12 21a9 9 0 100-18 9 9 0 000 18M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3"
            }
        }
    }
}

/// An icon; decorative (hidden from screen readers): put the accessible name on its control.
#[component]
pub fn IconSvg(icon: Icon, #[prop(default = 20)] size: u32) -> impl IntoView {
    view! {
        <svg width=size height=size viewBox="0 0 24 24" fill="none" stroke="currentColor"
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
            <path d=icon.path()/>
        </svg>
    }
}
