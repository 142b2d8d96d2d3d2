//! Form fields that show their error next to them (from a server function's [`AppError`]).

use crate::error::AppError;
use leptos::prelude::*;

stylance::import_crate_style!(style, "src/ui/fields.module.css");

/// A labelled input. `error` is the last submission's error, if any; the field shows the part
/// that names it.
#[component]
pub fn Field(
    /// The input's `name` (and id, unless `id` is given).
    name: &'static str,
    /// The input's id, when two fields of one page share a `name` (ids must be unique).
    #[prop(optional)]
    id: Option<&'static str>,
    /// The visible label.
    label: &'static str,
    /// `text`, `email`, `password`, ...
    #[prop(default = "text")]
    kind: &'static str,
    /// Initial value.
    #[prop(optional, into)]
    value: String,
    /// Help below the field.
    #[prop(optional)]
    help: &'static str,
    /// Browser autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether the field is required.
    #[prop(optional)]
    required: bool,
    /// Whether the value is shown but cannot be changed (it is still submitted).
    #[prop(optional)]
    readonly: bool,
    /// The error of the last submission.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(name));
    let id = id.unwrap_or(name);
    let described = format!("{id}-help");
    view! {
        <div class=style::field>
            <label for=id class=style::label>{label}</label>
            <input id=id name=name type=kind value=value required=required autocomplete=autocomplete readonly=readonly
                class=style::input
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=described.clone()/>
            {move || message().map(|m| view! { <p class=style::error role="alert">{format!("{label} {m}")}</p> })}
            <p id=described class=style::help>{help}</p>
        </div>
    }
}

/// The message of an error that names no field of the form, shown above it.
#[component]
pub fn FormError(
    #[prop(into)] error: Signal<Option<AppError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|e| e.general_message(fields))
            .map(|m| {
                view! { <div class=style::banner role="alert">{m}</div> }
            })
    }
}

/// A labelled `<select>` of (value, label) options; `selected` is the initial value.
#[component]
pub fn SelectField(
    /// The select's `name` (and id).
    name: &'static str,
    /// The visible label.
    label: &'static str,
    /// (value, label) pairs, in order.
    options: Vec<(String, String)>,
    /// The initially selected value.
    #[prop(optional, into)]
    selected: String,
    /// Help below the field.
    #[prop(optional)]
    help: &'static str,
    /// The error of the last submission.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(name));
    let described = format!("{name}-help");
    view! {
        <div class=style::field>
            <label for=name class=style::label>{label}</label>
            <select id=name name=name class=style::input
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=described.clone()>
                {options.into_iter().map(|(value, text)| {
                    let is = value == selected;
                    view! { <option value=value selected=is>{text}</option> }
                }).collect_view()}
            </select>
            {move || message().map(|m| view! { <p class=style::error role="alert">{format!("{label} {m}")}</p> })}
            <p id=described class=style::help>{help}</p>
        </div>
    }
}

/// A labelled multi-line text field.
#[component]
pub fn TextAreaField(
    /// The textarea's `name` (and id).
    name: &'static str,
    /// The visible label.
    label: &'static str,
    /// Initial text.
    #[prop(optional, into)]
    value: String,
    /// The error of the last submission.
    #[prop(into)]
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|e| e.for_field(name));
    view! {
        <div class=style::field>
            <label for=name class=style::label>{label}</label>
            <textarea id=name name=name rows="4" class=style::textarea
                aria-invalid=move || message().is_some().to_string()>{value}</textarea>
            {move || message().map(|m| view! { <p class=style::error role="alert">{format!("{label} {m}")}</p> })}
        </div>
    }
}
