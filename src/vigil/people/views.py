from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, can, has_perm_anywhere, holds_globally, require, visible
from vigil.core.mfa import has_second_factor, may_reset_second_factors
from vigil.core.views_support import (
    EditPage,
    apply_service,
    changed_data,
    fresh_copy,
    import_view,
    list_page,
    perm_required,
)
from vigil.people import selectors, services
from vigil.people.forms import (
    ContactForm,
    DependantFilters,
    DependantForm,
    EmergencyContactFormSet,
    OrganizationFilters,
    OrganizationForm,
    PersonFilters,
    PersonForm,
)
from vigil.people.models import Dependant, Person

# --- Organizations ----------------------------------------------------------------------------


@login_required
def organization_list(request: HttpRequest) -> HttpResponseBase:
    filters = OrganizationFilters(request.GET)
    return list_page(
        request, queryset=selectors.organization_list(user=request.user,
                                                      **filters.selector_args()),
        template="people/organization_list.html",
        table_template="people/partials/_organization_table.html",
        sorts={"code": "code", "name": "name", "kind": "kind"}, default_sort="code",
        filters=filters,
        columns=[(_("code"), lambda o: o.code), (_("name"), lambda o: o.name),
                 (_("type"), lambda o: o.get_kind_display())],
        export_name="organizations",
        extra={"may_create": holds_globally(request.user, Perm.CHANGE_ORGANIZATION)})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(user=request.user, pk=pk)
    return render(request, "people/organization_detail.html", {
        "organization": org, "children": org.children.all(),
        # Only the premises the reader may see: the others' names are not theirs to read.
        "premises": visible(request.user, Perm.VIEW_PREMISES,
                            org.premises.select_related("duty_station")),
        "personnel_count": selectors.person_list(user=request.user,
                                                 organization=org.pk).count(),
        "may_edit": can(request.user, Perm.CHANGE_ORGANIZATION, org)})


organization_edit = EditPage(
    form_class=OrganizationForm, perm=Perm.CHANGE_ORGANIZATION,
    template="people/organization_form.html", context_name="organization",
    detail_url="people:organization_detail",
    saved_message=_lazy("Organization %(name)s saved."), get=selectors.organization_get,
    create=services.organization_create, update=services.organization_update,
    fixed=("code",)).view(may_create=lambda user: holds_globally(user, Perm.CHANGE_ORGANIZATION))


# --- Personnel --------------------------------------------------------------------------------

PERSON_COLUMNS = [
    (_("index number"), lambda p: p.index_number), (_("family name"), lambda p: p.family_name),
    (_("given name"), lambda p: p.given_name), (_("organization"), lambda p: p.organization.code),
    (_("category"), lambda p: p.category), (_("duty station"), lambda p: p.duty_station.code),
    (_("status"), lambda p: p.status),
]


@perm_required(Perm.VIEW_PERSON)
def person_list(request: HttpRequest) -> HttpResponseBase:
    filters = PersonFilters(request.GET)
    return list_page(
        request, queryset=selectors.person_list(user=request.user, **filters.selector_args()),
        template="people/person_list.html", table_template="people/partials/_person_table.html",
        sorts={"name": "family_name", "index": "index_number", "organization":
               "organization__code", "duty_station": "duty_station__name"},
        default_sort="name", filters=filters, columns=PERSON_COLUMNS, export_name="personnel",
        export_perm=Perm.EXPORT_PERSONAL_DATA,
        extra={"may_create": has_perm_anywhere(request.user, Perm.CHANGE_PERSON),
               "may_import": has_perm_anywhere(request.user, Perm.IMPORT_PERSONNEL)})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return _person_page(request, person)


def _person_page(request: HttpRequest, person: Person) -> HttpResponse:
    dependants = (selectors.dependants_of(user=request.user, person=person)
                  if can(request.user, Perm.VIEW_DEPENDANT, Dependant(person=person)) else None)
    return render(request, "people/person_detail.html", {
        "person": person,
        "personal": selectors.person_personal_data(user=request.user, person=person),
        "dependants": dependants,
        "may_edit": can(request.user, Perm.CHANGE_PERSON, person),
        "may_edit_contacts": can(request.user, Perm.CHANGE_CONTACT_DATA, person),
        "may_add_dependant": can(request.user, Perm.CHANGE_DEPENDANT, Dependant(person=person)),
        "is_self": person.user_id == request.user.pk,
        # One person's data on request (people.privacy): the export, and the erasure.
        "may_export": can(request.user, Perm.EXPORT_PERSONAL_DATA, person),
        "may_erase": can(request.user, Perm.CHANGE_PERSON, person),
        # A global administrator resets the second factor of someone else's account.
        "may_reset_second_factor": (person.user_id is not None
                                    and person.user_id != request.user.pk
                                    and may_reset_second_factors(request.user)
                                    and has_second_factor(person.user)),
    })


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    person = selectors.person_of_user(user=request.user)
    if person is None:
        return render(request, "people/no_profile.html", status=404)
    return _person_page(request, person)


person_edit = EditPage(
    form_class=PersonForm, perm=Perm.CHANGE_PERSON, template="people/person_form.html",
    context_name="person", detail_url="people:person_detail",
    saved_message=_lazy("%(name)s saved."), get=selectors.person_get,
    create=services.person_create, update=services.person_update,
    fixed=("index_number",)).view()


@login_required
@require_http_methods(["GET", "POST"])
def person_contacts_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Contacts, residence and emergency contacts: the staff member's own page to keep."""
    person = selectors.person_get(user=request.user, pk=pk)
    require(request.user, Perm.CHANGE_CONTACT_DATA, person)
    initial_contacts = [{"name": c.name, "relationship": c.relationship, "phone": c.phone,
                         "email": c.email} for c in person.emergency_contacts.all()]
    form = ContactForm(request.POST or None, instance=fresh_copy(person),
                       initial={"version": person.version})
    contacts = EmergencyContactFormSet(request.POST or None, initial=initial_contacts,
                                       prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        data = changed_data(form, ContactForm.Meta.fields)
        kept = [c.cleaned_data for c in contacts.forms
                if c.cleaned_data and not c.cleaned_data.get("DELETE")]
        for item in kept:
            item.pop("DELETE", None)
        saved = apply_service(form, lambda: services.person_update_contacts(
            actor=request.user, person=person, data=data, emergency_contacts=kept,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Contact details saved."))
            if saved.user_id == request.user.pk:
                return redirect("people:my_profile")
            return redirect("people:person_detail", pk=saved.pk)
    return render(request, "people/person_contacts_form.html",
                  {"form": form, "contacts": contacts, "person": person})


personnel_import = import_view(
    perm=Perm.IMPORT_PERSONNEL, title=_lazy("Import personnel"),
    required=services.PERSON_COLUMNS_REQUIRED, optional=services.PERSON_COLUMNS_OPTIONAL,
    run=services.personnel_import)


# --- Dependants -------------------------------------------------------------------------------

@perm_required(Perm.VIEW_DEPENDANT)
def dependant_list(request: HttpRequest) -> HttpResponseBase:
    filters = DependantFilters(request.GET)
    return list_page(
        request, queryset=selectors.dependant_list(user=request.user,
                                                   **filters.selector_args()),
        template="people/dependant_list.html",
        table_template="people/partials/_dependant_table.html",
        sorts={"name": "family_name", "staff": "person__family_name",
               "relationship": "relationship"}, default_sort="staff", filters=filters,
        columns=[(_("family name"), lambda d: d.family_name),
                 (_("given name"), lambda d: d.given_name),
                 (_("relationship"), lambda d: d.relationship),
                 (_("staff member"), lambda d: d.person.index_number),
                 (_("status"), lambda d: d.status)],
        export_name="dependants", export_perm=Perm.EXPORT_PERSONAL_DATA,
        audit_read_as="people.dependant.list")


@login_required
def dependant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dependant = selectors.dependant_get(user=request.user, pk=pk)
    return render(request, "people/dependant_detail.html", {
        "dependant": dependant,
        "may_edit": can(request.user, Perm.CHANGE_DEPENDANT, dependant)})


DEPENDANT_EDIT = EditPage(
    form_class=DependantForm, perm=Perm.CHANGE_DEPENDANT,
    template="people/dependant_form.html", context_name="dependant",
    detail_url="people:dependant_detail", saved_message=_lazy("%(name)s saved."),
    get=selectors.dependant_get, create=services.dependant_create,
    update=services.dependant_update)


@login_required
@require_http_methods(["GET", "POST"])
def dependant_edit(request: HttpRequest, pk: int | None = None,
                   person_pk: int | None = None) -> HttpResponse:
    """Edit a dependant, or add one to the staff member named in the URL."""
    dependant: Dependant | None = None
    if pk is not None:
        found = selectors.dependant_get(user=request.user, pk=pk)
        dependant, person = found, found.person
    else:
        person = selectors.person_get(user=request.user, pk=person_pk)
    return DEPENDANT_EDIT.respond(
        request, dependant, context={"person": person}, given={"person": person},
        may_create=can(request.user, Perm.CHANGE_DEPENDANT, Dependant(person=person)))


