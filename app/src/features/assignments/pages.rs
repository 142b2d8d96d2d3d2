use super::api::{AssignFeature, AssignmentData, UnassignFeature, list_assignments};
use crate::ui::fields::{FormError, SelectField};
use crate::ui::page::ErrorPanel;
use domain::features::Feature;
use leptos::prelude::*;
use leptos_meta::Title;

/// Super Admin > Customers > Feature assignment.
#[component]
pub fn FeatureAssignmentPage() -> impl IntoView {
    let assign = ServerAction::<AssignFeature>::new();
    let unassign = ServerAction::<UnassignFeature>::new();
    let data = Resource::new(
        move || (assign.version().get(), unassign.version().get()),
        |_| list_assignments(),
    );
    let error = Signal::derive(move || {
        assign
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| unassign.value().get().and_then(Result::err))
    });
    view! {
        <Title text="Feature assignment"/>
        <div class="crumbs"><a href="/admin/customers">"Customers"</a>" / Feature assignment"</div>
        <h1>"Feature assignment"</h1>
        <p class="muted">"A customer's portal shows only the features assigned to all customers, to its category or group, or to it by name. The server refuses the others, even by direct link or API."</p>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Assignments data assign unassign error/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Assignments(
    data: AssignmentData,
    assign: ServerAction<AssignFeature>,
    unassign: ServerAction<UnassignFeature>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let AssignmentData { rows, audiences } = data;
    view! {
        <h2>"Assign a feature"</h2>
        <ActionForm action=assign>
            <FormError error fields=&["feature", "audience"]/>
            <div class="panel form-row">
                <SelectField name="feature" label="Feature" error
                    options=Feature::ALL.iter().map(|f| (f.key().to_owned(), f.name().to_owned())).collect()/>
                <SelectField name="audience" label="To" error options=audiences/>
                <button type="submit" class="btn btn-primary">"Assign"</button>
            </div>
        </ActionForm>
        <table class="data-table">
            <thead><tr><th scope="col">"Feature"</th><th scope="col">"Assigned to"</th><th scope="col">""</th></tr></thead>
            <tbody>
                {Feature::ALL.into_iter().map(|f| {
                    let mine: Vec<_> = rows.iter().filter(|r| r.feature == f.key()).cloned().collect();
                    view! {
                        <tr>
                            <td>{f.name()}</td>
                            <td>
                                {if mine.is_empty() { Some(view! { <span class="muted">"Nobody"</span> }) } else { None }}
                                <ul class="chips">
                                    {mine.into_iter().map(|r| view! {
                                        <li>
                                            {r.audience}
                                            <ActionForm action=unassign attr:class="inline">
                                                <input type="hidden" name="id" value=r.id/>
                                                <button type="submit" class="link-danger" title="Remove this assignment" aria-label=format!("Remove {} from this audience", f.name())>"×"</button>
                                            </ActionForm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </td>
                            <td></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
