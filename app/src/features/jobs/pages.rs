use super::api::{CancelJob, JobsData, PauseJobs, RetryJob, TriggerJob, get_jobs};
use crate::ui::fields::{FormError, SelectField};
use crate::ui::page::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

/// Super Admin > System > Jobs.
#[component]
pub fn JobsPage() -> impl IntoView {
    let trigger = ServerAction::<TriggerJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    let cancel = ServerAction::<CancelJob>::new();
    let pause = ServerAction::<PauseJobs>::new();
    let data = Resource::new(
        move || {
            (
                trigger.version().get(),
                retry.version().get(),
                cancel.version().get(),
                pause.version().get(),
            )
        },
        |_| get_jobs(),
    );
    view! {
        <Title text="Jobs"/>
        <div class="page-head">
            <div>
                <div class="crumbs">"System"</div>
                <h1>"Jobs"</h1>
            </div>
            <a href="/admin/jobs" class="btn btn-secondary">"Refresh"</a>
        </div>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <Dashboard data trigger retry cancel pause/> }.into_any(),
                    Err(err) => view! { <ErrorPanel err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Dashboard(
    data: JobsData,
    trigger: ServerAction<TriggerJob>,
    retry: ServerAction<RetryJob>,
    cancel: ServerAction<CancelJob>,
    pause: ServerAction<PauseJobs>,
) -> impl IntoView {
    let cancel_error = Signal::derive(move || cancel.value().get().and_then(Result::err));
    let cancelled = move || cancel.value().get().and_then(Result::ok);
    let pause_error = Signal::derive(move || pause.value().get().and_then(Result::err));
    let error = Signal::derive(move || trigger.value().get().and_then(Result::err));
    let retry_error = Signal::derive(move || retry.value().get().and_then(Result::err));
    let queued = move || trigger.value().get().and_then(Result::ok);
    let kinds = data.kinds.clone();
    // Live: the server streams the dashboard's data every second (server-sent events); the
    // server-rendered data shows until the first message (and without JavaScript).
    let live = RwSignal::new(data);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        if let Ok(source) = web_sys::EventSource::new("/admin/jobs/events") {
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |ev: web_sys::MessageEvent| {
                    if let Some(text) = ev.data().as_string()
                        && let Ok(next) = serde_json::from_str::<JobsData>(&text)
                    {
                        live.set(next);
                    }
                },
            );
            source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget();
            let source = StoredValue::new_local(source);
            on_cleanup(move || source.with_value(|s| s.close()));
        }
    });
    let example = kinds.first().map(|(_, _, e)| e.clone()).unwrap_or_default();
    view! {
        {move || { let JobsData { queues, running, chart_svg, last_hour, schedules, failures, workers, pending, .. } = live.get(); view! {
        <FormError error=pause_error fields=&[]/>
        <FormError error=cancel_error fields=&[]/>
        {move || cancelled().map(|msg| view! { <div class="notice-ok" role="status">{msg}</div> })}
        <table class="data-table" id="queues">
            <thead><tr>
                <th scope="col">"Queue"</th><th scope="col" class="num">"Pending"</th><th scope="col" class="num">"Scheduled"</th><th scope="col" class="num">"Running"</th>
                <th scope="col" class="num">"Done"</th><th scope="col" class="num">"Failed"</th><th scope="col" class="num">"Cancelled"</th>
                <th scope="col">"State"</th><th scope="col">""</th>
            </tr></thead>
            <tbody>
                {queues.into_iter().map(|q| view! {
                    <tr>
                        <td>{q.title}<br/><span class="muted">{q.queue.clone()}</span></td>
                        <td class="num">{q.pending}</td><td class="num">{q.scheduled}</td><td class="num">{q.running}</td><td class="num">{q.done}</td>
                        <td class="num">{q.failed}</td><td class="num">{q.killed}</td>
                        <td><StateBadge paused=q.paused/></td>
                        <td><PauseButton pause target="queue" name=q.queue paused=q.paused/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2>"Last hour"</h2>
        <p class="muted" id="last-hour">{last_hour}</p>
        <div class="jobs-chart" role="img" aria-label="Jobs finished per minute (bars) and mean wait before start in seconds (line), last 60 minutes" inner_html=chart_svg></div>
        <h2>"Running"</h2>
        {if running.is_empty() {
            view! { <p class="empty">"No job is running."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="running">
                    <thead><tr><th scope="col">"Job"</th><th scope="col">"Progress"</th><th scope="col">"Message"</th><th scope="col">"Worker"</th><th scope="col">"Started"</th><th scope="col">""</th></tr></thead>
                    <tbody>
                        {running.into_iter().map(|r| view! {
                            <tr>
                                <td>{r.kind}<br/><span class="muted">{r.id}</span></td>
                                <td><progress max=r.total.max(1) value=r.done></progress>" "{format!("{}/{}", r.done, r.total)}</td>
                                <td>{r.message}</td>
                                <td>{r.worker}</td>
                                <td>{r.started}</td>
                                <td>
                                    {if r.cancelling {
                                        view! { <span class="badge badge-warn">"Stopping…"</span> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=cancel attr:class="inline">
                                                <input type="hidden" name="task_id" value=r.task_id/>
                                                <button type="submit" class="btn btn-secondary btn-small">"Cancel"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Waiting"</h2>
        {if pending.is_empty() {
            view! { <p class="empty">"No job is waiting."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="waiting">
                    <thead><tr><th scope="col">"Job"</th><th scope="col">"Queue"</th><th scope="col">""</th></tr></thead>
                    <tbody>
                        {pending.into_iter().map(|(task_id, queue, kind)| view! {
                            <tr>
                                <td>{kind}<br/><span class="muted">{task_id.clone()}</span></td>
                                <td>{queue}</td>
                                <td>
                                    <ActionForm action=cancel attr:class="inline">
                                        <input type="hidden" name="task_id" value=task_id/>
                                        <button type="submit" class="btn btn-secondary btn-small">"Cancel"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Workers"</h2>
        {if workers.is_empty() {
            view! { <p class="empty">"No worker has registered: start one with didtron --roles worker (or web,worker)."</p> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <thead><tr><th scope="col">"Worker"</th><th scope="col">"Queue"</th><th scope="col" class="num">"Heartbeat"</th><th scope="col" class="num">"Running"</th><th scope="col">"Current job"</th><th scope="col">"State"</th><th scope="col">""</th></tr></thead>
                    <tbody>
                        {workers.into_iter().map(|w| view! {
                            <tr>
                                <td>{w.name.clone()}</td>
                                <td>{w.queue}</td>
                                <td class="num">{format!("{} s ago", w.heartbeat_age)}</td>
                                <td class="num">{w.running}</td>
                                <td>{if w.current.is_empty() { "—".to_owned() } else { w.current }}</td>
                                <td><StateBadge paused=w.paused/></td>
                                <td><PauseButton pause target="worker" name=w.name paused=w.paused/></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Schedules"</h2>
        {if schedules.is_empty() {
            view! { <p class="empty">"No schedule: add [jobs.schedules.<name>] to the settings."</p> }.into_any()
        } else {
            view! {
                <table class="data-table" id="schedules">
                    <thead><tr><th scope="col">"Schedule"</th><th scope="col">"Cron (UTC)"</th><th scope="col">"Kind"</th><th scope="col">"Next run"</th><th scope="col">"Last run"</th></tr></thead>
                    <tbody>
                        {schedules.into_iter().map(|s| view! {
                            <tr>
                                <td>{s.name}</td>
                                <td><code>{if s.cron.is_empty() { "off".to_owned() } else { s.cron }}</code></td>
                                <td>{s.kind}</td>
                                <td>{s.next}{s.note.map(|n| view! { <br/><span class="muted">{format!("skipped: {n}")}</span> })}</td>
                                <td>{s.last}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"Recent failures"</h2>
        <FormError error=retry_error fields=&[]/>
        {if failures.is_empty() {
            view! { <p class="empty">"No failed job."</p> }.into_any()
        } else {
            view! {
                <table class="data-table">
                    <thead><tr><th scope="col">"Job"</th><th scope="col">"State"</th><th scope="col" class="num">"Attempts"</th><th scope="col">"Error"</th><th scope="col">""</th></tr></thead>
                    <tbody>
                        {failures.into_iter().map(|f| view! {
                            <tr>
                                <td>{f.kind}</td>
                                <td>{f.status}</td>
                                <td class="num">{f.attempts}</td>
                                <td class="changes">{f.error}</td>
                                <td>
                                    <ActionForm action=retry attr:class="inline">
                                        <input type="hidden" name="task_id" value=f.task_id/>
                                        <button type="submit" class="btn btn-secondary btn-small">"Retry"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        } }}
        <h2>"Run a job"</h2>
        <ActionForm action=trigger>
            {move || queued().map(|id| view! { <div class="notice-ok" role="status">{format!("Job {id} queued.")}</div> })}
            <FormError error fields=&["kind", "payload"]/>
            <div class="panel">
                <SelectField name="kind" label="Kind" error
                    options=kinds.iter().map(|(k, d, _)| (k.clone(), format!("{k} — {d}"))).collect()/>
                <crate::ui::fields::TextAreaField name="payload" label="Payload (JSON)" value=example error/>
                <p class="muted">"Examples: "{kinds.iter().map(|(k, _, e)| format!("{k}: {e}")).collect::<Vec<_>>().join(" · ")}</p>
                <button type="submit" class="btn btn-primary">"Queue job"</button>
            </div>
        </ActionForm>
    }
}

/// "Running" or "Paused".
#[component]
fn StateBadge(paused: bool) -> impl IntoView {
    if paused {
        view! { <span class="badge badge-warn">"Paused"</span> }.into_any()
    } else {
        view! { <span class="badge badge-ok">"Running"</span> }.into_any()
    }
}

/// Pause (or Resume, when paused) a queue or a worker.
#[component]
fn PauseButton(
    pause: ServerAction<PauseJobs>,
    target: &'static str,
    name: String,
    paused: bool,
) -> impl IntoView {
    let (action, label) = if paused {
        ("resume", "Resume")
    } else {
        ("pause", "Pause")
    };
    view! {
        <ActionForm action=pause attr:class="inline">
            <input type="hidden" name="target" value=target/>
            <input type="hidden" name="name" value=name.clone()/>
            <input type="hidden" name="action" value=action/>
            <button type="submit" class="btn btn-secondary btn-small" aria-label=format!("{label} {target} {name}")>{label}</button>
        </ActionForm>
    }
}
