//! The action dock: fixed at the bottom of a form page, with Save, Cancel and the form's other
//! actions, and an "Unsaved changes" mark once the form was edited. Ctrl+S saves.

use leptos::prelude::*;

stylance::import_crate_style!(style, "src/ui/dock.module.css");

/// Wraps a form's fields and its dock. `dirty` becomes true on the first edit and false after a
/// successful save (`saved` changes); Ctrl+S submits the form.
#[component]
pub fn DockedForm(
    /// Increments after each completed save (e.g. an action's `version()`).
    #[prop(into)]
    saved: Signal<usize>,
    children: Children,
) -> impl IntoView {
    let dirty = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |prev: Option<usize>| {
        let now = saved.get();
        if prev.is_some_and(|p| p != now) {
            dirty.set(false);
        }
        now
    });
    provide_context(DockState { dirty });
    let _ctrl_s = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("s") {
            ev.prevent_default();
            submit_form_in(root);
        }
    });
    view! {
        <div node_ref=root class=style::docked on:input=move |_| dirty.set(true)>
            {children()}
        </div>
    }
}

fn submit_form_in(_root: NodeRef<leptos::html::Div>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(form) = _root
            .get_untracked()
            .and_then(|el| el.query_selector("form").ok().flatten())
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
        {
            let _ = form.request_submit();
        }
    }
}

#[derive(Clone, Copy)]
struct DockState {
    dirty: RwSignal<bool>,
}

/// The dock itself; put it as the last child of the form inside a [`DockedForm`].
#[component]
pub fn ActionDock(
    /// The submit button's text.
    #[prop(default = "Save")]
    save_label: &'static str,
    /// Where Cancel leads.
    cancel_href: String,
    /// Whether a save is in flight.
    #[prop(into)]
    pending: Signal<bool>,
) -> impl IntoView {
    let dirty = use_context::<DockState>().map(|d| d.dirty);
    view! {
        <div class=style::dock role="toolbar" aria-label="Form actions">
            <button type="submit" class="btn btn-primary" disabled=move || pending.get() title="Save (Ctrl+S)">
                {move || if pending.get() { "Saving…" } else { save_label }}
            </button>
            <a href=cancel_href class="btn btn-secondary">"Cancel"</a>
            <span class=style::dirty aria-live="polite">
                {move || dirty.is_some_and(|d| d.get()).then_some("Unsaved changes")}
            </span>
            <span class=style::hint>"Ctrl+S saves"</span>
        </div>
    }
}
