//! The four portals: each is the shell around its feature pages, under its own path prefix.

use crate::features::api_keys::pages::ApiKeysPage;
use crate::features::assignments::pages::FeatureAssignmentPage;
use crate::features::audit::pages::AuditPage;
use crate::features::carriers::pages::{CarrierDetailPage, CarriersPage, NewCarrierPage};
use crate::features::categories::pages::CategoriesPage;
use crate::features::cdrs::pages::{CdrsPage, MyCallsPage};
use crate::features::customers::pages::{CustomerDetailPage, CustomersPage, NewCustomerPage};
use crate::features::decks::pages::{DeckDetailPage, MyDecksPage};
use crate::features::destinations::pages::DestinationsPage;
use crate::features::jobs::pages::JobsPage;
use crate::features::ledger::pages::MyBalancePage;
use crate::features::overview::pages::OverviewPage;
use crate::features::payments::pages::{PaymentsPageView, TopUpPage};
use crate::features::profile::pages::ProfilePage;
use crate::features::promos::pages::PromoCodesPage;
use crate::features::referrals::pages::{MyReferralsPageView, ReferralsAdminPageView};
use crate::features::reports::pages::{MarginReportPage, MyUsagePage};
use crate::features::rerating::pages::{RerateDetailPage, ReratingPage};
use crate::features::routing::pages::{LcrTesterPage, TiersPage};
use crate::features::search::SearchPage;
use crate::features::sell_cards::pages::{MyRatesPage, SellCardPage, SellCardsPage};
use crate::features::statements::pages::StatementsPageView;
use crate::features::tenants::pages::{NewTenantPage, TenantDetailPage, TenantsPage};
use crate::features::users::pages::{detail::UserDetailPage, list::UsersPage, new::NewUserPage};
use crate::ui::shell::PortalShell;
use domain::access::Portal;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route};
use leptos_router::{SsrMode, path};

/// Super Admin, under `/admin`.
#[component(transparent)]
pub fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/admin") view=|| view! { <PortalShell portal=Portal::Admin/> } ssr=SsrMode::Async>
            <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
            <Route path=path!("users") view=UsersPage ssr=SsrMode::Async/>
            <Route path=path!("users/new") view=NewUserPage ssr=SsrMode::Async/>
            <Route path=path!("users/:id") view=UserDetailPage ssr=SsrMode::Async/>
            <Route path=path!("customers") view=CustomersPage ssr=SsrMode::Async/>
            <Route path=path!("customers/new") view=NewCustomerPage ssr=SsrMode::Async/>
            <Route path=path!("customers/:id") view=CustomerDetailPage ssr=SsrMode::Async/>
            <Route path=path!("customer-categories") view=CategoriesPage ssr=SsrMode::Async/>
            <Route path=path!("payments") view=PaymentsPageView ssr=SsrMode::Async/>
            <Route path=path!("promo-codes") view=PromoCodesPage ssr=SsrMode::Async/>
            <Route path=path!("referrals") view=ReferralsAdminPageView ssr=SsrMode::Async/>
            <Route path=path!("statements") view=StatementsPageView ssr=SsrMode::Async/>
            <Route path=path!("carriers") view=CarriersPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/new") view=NewCarrierPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/:id") view=CarrierDetailPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/:id/decks/:deck") view=DeckDetailPage ssr=SsrMode::Async/>
            <Route path=path!("destinations") view=DestinationsPage ssr=SsrMode::Async/>
            <Route path=path!("routing") view=TiersPage ssr=SsrMode::Async/>
            <Route path=path!("lcr-tester") view=LcrTesterPage ssr=SsrMode::Async/>
            <Route path=path!("cdrs") view=CdrsPage ssr=SsrMode::Async/>
            <Route path=path!("rerating") view=ReratingPage ssr=SsrMode::Async/>
            <Route path=path!("margins") view=MarginReportPage ssr=SsrMode::Async/>
            <Route path=path!("rerating/:id") view=RerateDetailPage ssr=SsrMode::Async/>
            <Route path=path!("sell-cards") view=SellCardsPage ssr=SsrMode::Async/>
            <Route path=path!("sell-cards/:id") view=SellCardPage ssr=SsrMode::Async/>
            <Route path=path!("features") view=FeatureAssignmentPage ssr=SsrMode::Async/>
            <Route path=path!("tenants") view=TenantsPage ssr=SsrMode::Async/>
            <Route path=path!("tenants/new") view=NewTenantPage ssr=SsrMode::Async/>
            <Route path=path!("tenants/:id") view=TenantDetailPage ssr=SsrMode::Async/>
            <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async/>
            <Route path=path!("jobs") view=JobsPage ssr=SsrMode::Async/>
            <Route path=path!("api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
            <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}

/// Customer, under `/customer`: dashboard, my rates (published sell cards and notices), balance
/// (ledger), API keys (API access feature), profile, search.
#[component(transparent)]
pub fn CustomerRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/customer") view=|| view! { <PortalShell portal=Portal::Customer/> } ssr=SsrMode::Async>
            <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
            <Route path=path!("rates") view=MyRatesPage ssr=SsrMode::Async/>
            <Route path=path!("rates/:id") view=SellCardPage ssr=SsrMode::Async/>
            <Route path=path!("balance") view=MyBalancePage ssr=SsrMode::Async/>
            <Route path=path!("top-up") view=TopUpPage ssr=SsrMode::Async/>
            <Route path=path!("referrals") view=MyReferralsPageView ssr=SsrMode::Async/>
            <Route path=path!("statements") view=StatementsPageView ssr=SsrMode::Async/>
            <Route path=path!("calls") view=MyCallsPage ssr=SsrMode::Async/>
            <Route path=path!("usage") view=MyUsagePage ssr=SsrMode::Async/>
            <Route path=path!("api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
            <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}

/// Carrier, under `/carrier`: dashboard, the carrier's own rate decks (upload, preview, import,
/// rate changes, export), profile, search.
#[component(transparent)]
pub fn CarrierRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/carrier") view=|| view! { <PortalShell portal=Portal::Carrier/> } ssr=SsrMode::Async>
            <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
            <Route path=path!("decks") view=MyDecksPage ssr=SsrMode::Async/>
            <Route path=path!("decks/:deck") view=DeckDetailPage ssr=SsrMode::Async/>
            <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}
/// Class 4 Softswitch, under `/switch`: dashboard, carriers and their trunks, rate decks, A-Z,
/// routing tiers, LCR tester, API keys (for the LCR API), profile, search.
#[component(transparent)]
pub fn SwitchRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/switch") view=|| view! { <PortalShell portal=Portal::Switch/> } ssr=SsrMode::Async>
            <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
            <Route path=path!("carriers") view=CarriersPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/new") view=NewCarrierPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/:id") view=CarrierDetailPage ssr=SsrMode::Async/>
            <Route path=path!("carriers/:id/decks/:deck") view=DeckDetailPage ssr=SsrMode::Async/>
            <Route path=path!("destinations") view=DestinationsPage ssr=SsrMode::Async/>
            <Route path=path!("routing") view=TiersPage ssr=SsrMode::Async/>
            <Route path=path!("lcr-tester") view=LcrTesterPage ssr=SsrMode::Async/>
            <Route path=path!("cdrs") view=CdrsPage ssr=SsrMode::Async/>
            <Route path=path!("sell-cards") view=SellCardsPage ssr=SsrMode::Async/>
            <Route path=path!("sell-cards/:id") view=SellCardPage ssr=SsrMode::Async/>
            <Route path=path!("api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
            <Route path=path!("profile") view=ProfilePage ssr=SsrMode::Async/>
            <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
        </ParentRoute>
    }
    .into_inner()
}
