use super::dto::ShellState;
use crate::error::AppError;
use leptos::prelude::*;

/// The shell state of the signed-in user, after recording `path` as an open workspace tab when
/// it is a page of the user's portal (opening a page opens its tab).
///
/// # Errors
/// `Unauthorized` when not signed in.
#[server(endpoint = "shell_state")]
pub async fn get_shell_state(path: String) -> Result<ShellState, AppError> {
    use crate::ssr::{fail, services, signed_in};
    use domain::access::Portal;
    let me = signed_in().await?;
    let svc = services()?;
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    let features = services::features::features_of_actor(&svc.db, &me.actor())
        .await
        .map_err(fail)?;
    let opens_tab = Portal::of_path(&path).is_some_and(|p| p.admits(me.role))
        && crate::nav::find(&path).is_some_and(|(_, page)| page.shown_to(me.role, &features));
    let state = services::preferences::update_ui_state(&svc.db, me.user.id, |s| {
        if opens_tab && !s.tabs.contains(&path) {
            s.tabs.push(path.clone());
        }
    })
    .await
    .map_err(fail)?;
    Ok(ShellState {
        user_id: me.user.id,
        email: me.user.email.clone(),
        display_name: me.user.display_name.clone(),
        role: me.role,
        theme: me.user.theme.clone(),
        tabs: state.tabs,
        submenu_collapsed: state.submenu_collapsed,
        features,
        brand_name: me.tenant.name.clone(),
        has_logo: me.tenant.logo_key.is_some(),
    })
}

/// Closes the workspace tab `path`. When it is the page on screen (`current`), goes to the tab
/// before it, or to the portal's dashboard when none is left.
///
/// # Errors
/// `Unauthorized` when not signed in.
#[server(endpoint = "close_tab")]
pub async fn close_tab(path: String, current: String) -> Result<(), AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let mut next = None;
    services::preferences::update_ui_state(&svc.db, me.user.id, |s| {
        if let Some(i) = s.tabs.iter().position(|t| *t == path) {
            s.tabs.remove(i);
            next = s.tabs.get(i.saturating_sub(1)).cloned();
        }
    })
    .await
    .map_err(fail)?;
    let current = current
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    if current == path.trim_end_matches('/') {
        leptos_axum::redirect(&next.unwrap_or_else(|| me.role.portal().base_path().to_owned()));
    }
    Ok(())
}

/// Collapses or expands the submenu; the choice is remembered.
///
/// # Errors
/// `Unauthorized` when not signed in.
#[server(endpoint = "toggle_submenu")]
pub async fn toggle_submenu() -> Result<bool, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    let state = services::preferences::update_ui_state(&svc.db, me.user.id, |s| {
        s.submenu_collapsed = !s.submenu_collapsed
    })
    .await
    .map_err(fail)?;
    Ok(state.submenu_collapsed)
}

/// Stores the user's theme: `system`, `light` or `dark`.
///
/// # Errors
/// `Validation{theme}` for another value; `Unauthorized` when not signed in.
#[server(endpoint = "set_theme")]
pub async fn set_theme(theme: String) -> Result<String, AppError> {
    use crate::ssr::{fail, services, signed_in};
    let me = signed_in().await?;
    let svc = services()?;
    services::preferences::set_theme(&svc.db, &me.actor(), &theme)
        .await
        .map_err(fail)?;
    Ok(theme)
}
