//! Workspace tabs: one per open page, closable, kept per user on the server (restored after a
//! reload, and without JavaScript too). Ctrl+click or middle-click opens a browser tab as usual.

use crate::nav;
use crate::ui::icons::{Icon, IconSvg};
use crate::ui::shell::ShellContext;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

stylance::import_crate_style!(style, "src/ui/tabs.module.css");

/// The tab strip under the header.
#[component]
pub fn WorkspaceTabs() -> impl IntoView {
    let ctx = expect_context::<ShellContext>();
    let location = use_location();
    view! {
        <nav class=style::tabs aria-label="Open pages">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let tabs = ctx.state.await.map(|s| s.tabs).unwrap_or_default();
                    tabs.into_iter()
                        .filter_map(|path| nav::title(&path).map(|title| (path, title)))
                        .map(|(path, title)| {
                            let href = path.clone();
                            let is_current = {
                                let path = path.clone();
                                move || location.pathname.get().trim_end_matches('/') == path
                            };
                            let current_attr = {
                                let is_current = is_current.clone();
                                move || is_current().then_some("page")
                            };
                            let close_label = format!("Close {title}");
                            view! {
                                <div class=style::tab data-current=move || is_current().to_string()>
                                    <a href=href class=style::tab_link aria-current=current_attr>{title}</a>
                                    <ActionForm action=ctx.close_tab>
                                        <input type="hidden" name="path" value=path/>
                                        <input type="hidden" name="current" value=move || location.pathname.get()/>
                                        <button type="submit" class=style::close title=close_label.clone() aria-label=close_label>
                                            <IconSvg icon=Icon::Close size=12/>
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                        })
                        .collect_view()
                })}
            </Transition>
        </nav>
    }
}
