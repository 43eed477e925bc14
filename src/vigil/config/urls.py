from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from vigil.aviation import api as aviation_api
from vigil.coordination import api as coordination_api
from vigil.core import views as core_views
from vigil.costshare import api as costshare_api
from vigil.crisis import api as crisis_api
from vigil.crisis import cap_api
from vigil.evidence import api as evidence_api
from vigil.hq import api as hq_api
from vigil.incidents import api as incidents_api
from vigil.people import api as people_api
from vigil.performance import api as performance_api
from vigil.places import api as places_api
from vigil.risk import api as risk_api
from vigil.training import api as training_api
from vigil.travel import api as travel_api
from vigil.wellbeing import api as wellbeing_api

router = DefaultRouter()
router.register("countries", places_api.CountryViewSet, basename="country")
router.register("security-areas", places_api.SecurityAreaViewSet, basename="security-area")
router.register("duty-stations", places_api.DutyStationViewSet, basename="duty-station")
router.register("premises", places_api.PremisesViewSet, basename="premises")
router.register("organizations", people_api.OrganizationViewSet, basename="organization")
router.register("personnel", people_api.PersonViewSet, basename="person")
router.register("dependants", people_api.DependantViewSet, basename="dependant")
router.register("security-levels", risk_api.SecurityLevelViewSet, basename="security-level")
router.register("sras", risk_api.SraViewSet, basename="sra")
router.register("moss-documents", risk_api.MossDocumentViewSet, basename="moss-document")
router.register("moss-assessments", risk_api.ComplianceAssessmentViewSet,
                basename="moss-assessment")
router.register("security-plans", risk_api.SecurityPlanViewSet, basename="security-plan")
router.register("missions", risk_api.MissionViewSet, basename="mission")
router.register("premises-surveys", risk_api.PremisesSurveyViewSet, basename="premises-survey")
router.register("travel-requests", travel_api.TravelRequestViewSet, basename="travel-request")
router.register("clearances", travel_api.ClearanceViewSet, basename="clearance")
router.register("advisories", travel_api.AdvisoryViewSet, basename="advisory")
router.register("security-contacts", travel_api.SecurityContactViewSet,
                basename="security-contact")
router.register("air-operators", travel_api.AirOperatorViewSet, basename="air-operator")
router.register("whereabouts", travel_api.WhereaboutsViewSet, basename="whereabouts")
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register("incident-categories", incidents_api.IncidentCategoryViewSet,
                basename="incident-category")
router.register("crises", crisis_api.CrisisViewSet, basename="crisis")
router.register("headcount", crisis_api.EntryViewSet, basename="headcount")
router.register("broadcasts", crisis_api.BroadcastViewSet, basename="broadcast")
router.register("cap-alerts", cap_api.CapAlertViewSet, basename="cap-alert")
for prefix, viewset, basename in [*hq_api.ROUTES, *training_api.ROUTES, *wellbeing_api.ROUTES,
                                  *aviation_api.ROUTES, *costshare_api.ROUTES,
                                  *coordination_api.ROUTES, *performance_api.ROUTES,
                                  *evidence_api.ROUTES]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include("vigil.core.urls")),
    path("account/second-factor/", include("vigil.core.mfa_urls")),
    path("account/", include("vigil.core.account_urls")),
    path("places/", include("vigil.places.urls")),
    path("people/", include("vigil.people.urls")),
    path("risk/", include("vigil.risk.urls")),
    path("travel/", include("vigil.travel.urls")),
    path("incidents/", include("vigil.incidents.urls")),
    path("crisis/", include("vigil.crisis.urls")),
    path("c/", include("vigil.crisis.checkin_urls")),
    path("hq/", include("vigil.hq.urls")),
    path("training/", include("vigil.training.urls")),
    path("wellbeing/", include("vigil.wellbeing.urls")),
    path("aviation/", include("vigil.aviation.urls")),
    path("costshare/", include("vigil.costshare.urls")),
    path("coordination/", include("vigil.coordination.urls")),
    path("performance/", include("vigil.performance.urls")),
    path("evidence/", include("vigil.evidence.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
]

handler403 = "vigil.core.views.forbidden"
handler404 = "vigil.core.views.not_found"
handler500 = "vigil.core.views.server_error"
