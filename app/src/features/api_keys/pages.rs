use super::api::{ApiKeysData, CreateApiKey, RevokeApiKey, list_api_keys};
use crate::ui::fields::{Field, FormError};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

/// My account > API keys (Super Admin and Customer portals).
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let data = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    view! {
        <Title text="API keys"/>
        <div class="crumbs">"My account"</div>
        <h1>"API keys"</h1>
        <p class="muted">"Keys let your systems call the "<a href="/docs/api">"DIDTron API"</a>" with "<code>"Authorization: Bearer <key>"</code>". Give each system its own key with only the scopes it needs."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Keys data create revoke/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Keys(
    data: ApiKeysData,
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let created = move || create.value().get().and_then(Result::ok);
    let ApiKeysData {
        keys,
        scopes,
        limits,
    } = data;
    view! {
        {move || created().map(|k| view! {
            <div class="notice-ok secret" role="status">
                <p><strong>{format!("Key “{}” created.", k.name)}</strong>" Copy it now: it is shown only once and stored only as a hash."</p>
                <input type="text" readonly class="token" value=k.token aria-label="The new API key" on:focus=|ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            el.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }/>
            </div>
        })}
        <FormError error=revoke_error fields=&[]/>
        {if keys.is_empty() {
            view! { <p class="empty">"No key yet: create one below."</p> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th><th scope="col">""</th></tr></thead>
                    <tbody>
                        {keys.into_iter().map(|k| {
                            let active = k.revoked_at.is_none();
                            view! {
                                <tr>
                                    <td>{k.name}</td>
                                    <td><code>{k.prefix}</code></td>
                                    <td>{k.scopes.join(", ")}</td>
                                    <td>{k.created_at}</td>
                                    <td>{k.last_used_at.unwrap_or_else(|| "never".to_owned())}</td>
                                    <td>{match k.revoked_at {
                                        None => view! { <span class="badge badge-ok">"Active"</span> }.into_any(),
                                        Some(at) => view! { <span class="badge badge-off" title=at>"Revoked"</span> }.into_any(),
                                    }}</td>
                                    <td>{active.then(|| view! {
                                        <ActionForm action=revoke attr:class="inline">
                                            <input type="hidden" name="id" value=k.id/>
                                            <button type="submit" class="btn btn-secondary btn-small">"Revoke"</button>
                                        </ActionForm>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"New key"</h2>
        <ActionForm action=create>
            <FormError error fields=&["name", "scopes"]/>
            <div class="panel">
                <Field name="name" label="Name" required=true error help="What uses it, e.g. “billing sync”."/>
                <fieldset class="scopes">
                    <legend><strong>"Scopes"</strong></legend>
                    {scopes.into_iter().enumerate().map(|(i, (name, description))| {
                        let id = format!("scope-{i}");
                        view! {
                            <div>
                                <input type="checkbox" id=id.clone() name=format!("scopes[{i}]") value=name.clone()/>
                                <label for=id>" "<code>{name}</code>" — "{description}</label>
                            </div>
                        }
                    }).collect_view()}
                    {move || error.get().and_then(|e| e.for_field("scopes")).map(|m| view! { <p role="alert" class="field-error">{format!("Scopes: {m}")}</p> })}
                </fieldset>
                <p class="muted">{limits}</p>
                <button type="submit" class="btn btn-primary">"Create key"</button>
            </div>
        </ActionForm>
    }
}
