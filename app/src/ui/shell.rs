//! The portal shell of ui.md: icon rail, collapsible submenu, global header, workspace tabs, and
//! the page. It checks on the server that the user belongs to the portal before drawing any of
//! the portal's pages.

use crate::error::AppError;
use crate::features::workspace::api::{CloseTab, SetTheme, ToggleSubmenu, get_shell_state};
use crate::features::workspace::dto::ShellState;
use crate::nav;
use crate::ui::header::Header;
use crate::ui::icons::IconSvg;
use crate::ui::tabs::WorkspaceTabs;
use domain::access::Portal;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

stylance::import_crate_style!(style, "src/ui/shell.module.css");

/// Actions and data the shell's parts share.
#[derive(Clone, Copy)]
pub struct ShellContext {
    /// The portal on screen.
    pub portal: Portal,
    /// The user's shell state, refetched on navigation and after shell actions.
    pub state: Resource<Result<ShellState, AppError>>,
    /// Closes a workspace tab.
    pub close_tab: ServerAction<CloseTab>,
    /// Collapses or expands the submenu.
    pub toggle_submenu: ServerAction<ToggleSubmenu>,
    /// Changes the theme.
    pub set_theme: ServerAction<SetTheme>,
}

/// The shell around every page of `portal`.
#[component]
pub fn PortalShell(portal: Portal) -> impl IntoView {
    let location = use_location();
    let close_tab = ServerAction::<CloseTab>::new();
    let toggle_submenu = ServerAction::<ToggleSubmenu>::new();
    let set_theme = ServerAction::<SetTheme>::new();
    let state = Resource::new(
        move || {
            (
                location.pathname.get(),
                close_tab.version().get(),
                toggle_submenu.version().get(),
                set_theme.version().get(),
            )
        },
        |(path, ..)| get_shell_state(path),
    );
    provide_context(ShellContext {
        portal,
        state,
        close_tab,
        toggle_submenu,
        set_theme,
    });
    // The guard is fetched once per portal visit, so the page below is not redrawn when a tab
    // closes or the submenu toggles.
    let guard = Resource::new(|| (), move |_| get_shell_state(String::new()));

    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match guard.await {
                    Ok(me) if portal.admits(me.role) => EitherOf3::A(view! { <Frame portal me/> }),
                    Ok(me) => EitherOf3::B(view! { <crate::ui::shell::Forbidden home=me.role.portal().base_path()/> }),
                    Err(err) => EitherOf3::C(view! { <SignInRequired err/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Frame(portal: Portal, me: ShellState) -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let collapsed = RwSignal::new(me.submenu_collapsed);
    Effect::new(move |_| {
        if let Some(Ok(now)) = ctx.toggle_submenu.value().get() {
            collapsed.set(now);
        }
    });
    let role = me.role;
    let features = me.features.clone();
    let has_logo = me.has_logo;
    let brand = me.brand_name.clone();
    view! {
        <div class=style::shell data-collapsed=move || collapsed.get().to_string()>
            <a href="#content" class=style::skip>"Skip to content"</a>
            <Rail portal role features=features.clone() has_logo brand/>
            <Submenu portal role features/>
            <div class=style::main>
                <Header me/>
                <WorkspaceTabs/>
                <main id="content" class=style::content>
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

#[component]
fn Rail(
    portal: Portal,
    role: domain::access::Role,
    features: Vec<domain::features::Feature>,
    has_logo: bool,
    brand: String,
) -> impl IntoView {
    let location = use_location();
    let sections = nav::sections(portal, role, &features);
    let logo = if has_logo { "/brand/logo" } else { "/logo.svg" };
    view! {
        <nav class=style::rail aria-label="Sections">
            <a href=portal.base_path() class=style::logo title=brand.clone() aria-label=format!("{brand} home")>
                <img src=logo alt="" width="28" height="28"/>
            </a>
            {sections
                .into_iter()
                .map(|section| {
                    let first = section.pages.iter().find(|p| p.in_menu && p.shown_to(role, &features)).map(|p| p.path).unwrap_or(portal.base_path());
                    let active = move || {
                        nav::find(&location.pathname.get()).is_some_and(|(s, _)| s.id == section.id && s.portal == section.portal)
                    };
                    view! {
                        <a href=first class=style::rail_item title=section.label aria-label=section.label
                            aria-current=move || active().then_some("true")>
                            <IconSvg icon=section.icon/>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn Submenu(
    portal: Portal,
    role: domain::access::Role,
    features: Vec<domain::features::Feature>,
) -> impl IntoView {
    let location = use_location();
    let features = StoredValue::new(features);
    let section = move || {
        nav::find(&location.pathname.get())
            .map(|(s, _)| s)
            .filter(|s| s.portal == portal)
            .or_else(|| {
                nav::sections(portal, role, &features.read_value())
                    .into_iter()
                    .next()
            })
    };
    view! {
        <aside class=style::submenu aria-label="Pages of this section">
            <div class=style::submenu_head>
                <span class=style::submenu_title>{move || section().map(|s| s.label)}</span>

            </div>
            <ul class=style::submenu_list>
                {move || {
                    section()
                        .map(|s| {
                            s.pages
                                .iter()
                                .filter(|p| p.in_menu && p.shown_to(role, &features.read_value()))
                                .map(|p| {
                                    let path = p.path;
                                    let current = move || {
                                        let here = location.pathname.get();
                                        (here.trim_end_matches('/') == path).then_some("page")
                                    };
                                    view! {
                                        <li><a href=path class=style::submenu_item aria-current=current>{p.title}</a></li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ul>
            <p class=style::portal_name>{portal.title()} " portal"</p>
        </aside>
    }
}

/// The page for a signed-in user who opened another portal's page: 403, with a way home.
#[component]
pub fn Forbidden(home: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::set_page_status(403);
    view! {
        <leptos_meta::Title text="No access"/>
        <main class=style::notice>
            <h1>"You don't have access to this page"</h1>
            <p>"This page belongs to another portal. If you need it, ask your administrator for the right role."</p>
            <a href=home class=style::notice_link>"Go to your portal"</a>
        </main>
    }
}

#[component]
fn SignInRequired(err: AppError) -> impl IntoView {
    let location = use_location();
    let next = location.pathname.get_untracked();
    let target = format!("/login?next={}", urlencoding_path(&next));
    if matches!(err, AppError::Unauthorized(_)) {
        #[cfg(feature = "ssr")]
        leptos_axum::redirect(&target);
        #[cfg(not(feature = "ssr"))]
        {
            let navigate = leptos_router::hooks::use_navigate();
            let target = target.clone();
            request_animation_frame(move || navigate(&target, Default::default()));
        }
    }
    view! {
        <main class=style::notice>
            <h1>"Please sign in"</h1>
            <p>{err.to_string()}</p>
            <a href=target class=style::notice_link>"Sign in"</a>
        </main>
    }
}

/// Escapes a path for a query parameter value (only the characters a path can hold).
fn urlencoding_path(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => c.to_string(),
            other => format!("%{:02X}", other as u32 & 0xff),
        })
        .collect()
}
