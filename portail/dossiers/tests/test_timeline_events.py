"""Events inside the twelve months: a couple that separates, a job lost or found. Each month's amounts
follow that month's household (checked on the coherence sweep), and the story reads the same in every tab."""
from datetime import date
from decimal import Decimal

from portail.conventions.models import Caf
from portail.dossiers.generation import Pools, built_files, file_lines
from portail.dossiers.generation import formulas as fx
from portail.dossiers.generation.build import CHANGE_LETTER
from portail.dossiers.generation.calendar import add_months, month_after, month_of
from portail.dossiers.generation.scales import scale_for
from portail.dossiers.loading import header_line, load_lines
from portail.dossiers.models import Benefit, Dossier, FamilyMember, Resource, Right

from .test_coherence import REF, File, sweep

ZERO = Decimal("0.00")
HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


def separated():
    return [f for f in sweep() if f.left_on]


def job_changes():
    return [(f, m) for f in sweep() for m in f.members if m.get("activity_since")]


def test_a_separation_makes_a_single_parent_from_the_month_after():
    files = separated()
    assert len(files) > 20
    asf_opened = 0
    for f in files:
        left = f.left_on
        first_alone = month_after(left)
        assert f.births and not f.couple and f.dossier.family_situation == Dossier.FamilySituation.SEPARATED
        assert f.dossier.opened_on < left < REF
        # No ASF while the couple lived together; the ASF right opens the month after the separation.
        assert not any(b == Benefit.ASF and m < first_alone for b, m in f.paid), f.dossier.number
        asf = [r for r in f.rights if r["benefit"] == Benefit.ASF]
        if asf:
            assert asf[0]["start_date"] == first_alone
            asf_opened += 1
        # The departure was declared: the Caf acknowledged it, after the day he left.
        assert any(letter["subject"] == CHANGE_LETTER and letter["sent_on"] > left for letter in f.letters)
        # His quarterly declarations stop with the quarters ended before he left.
        for r in f.resources:
            if r["person"] == "conjoint" and r["scope"] == Resource.Scope.QUARTERLY:
                assert r["period_end"] < left
    assert asf_opened > 20


def test_after_a_separation_every_amount_uses_the_single_parent_household():
    """AF, RSA, prime d'activité, housing aid: before, the couple's incomes; after, the allocataire's
    alone, and the RSA / prime majorés for twelve months (checked month by month)."""
    before_after = raised = 0
    for f in separated():
        for (benefit, month), p in f.paid.items():
            couple = f.couple_in(month)
            ages = fx.children_ages(month, f.births)
            scale = scale_for(month)
            if benefit == Benefit.AF:
                assert p["gross_amount"] == fx.family_allowance(scale, ages, f.n2(month.year - 2, month))
            if benefit in (Benefit.RSA, Benefit.PPA) and not couple:
                assert f.isolated(month) == (month < add_months(month_of(f.left_on), 13))
                formula = fx.rsa if benefit == Benefit.RSA else fx.ppa
                base = scale.rsa if benefit == Benefit.RSA else scale.ppa
                if benefit == Benefit.RSA:
                    _, forfait = formula(scale, couple=False, ages=ages, resources=ZERO, lump=False, isolated=True)
                else:
                    _, forfait = formula(scale, couple=False, ages=ages, earnings=[], other=ZERO, lump=False,
                                         isolated=True)
                assert forfait == fx.money(base * (Decimal("1.28412") + Decimal("0.42804") * len(ages)))
                raised += 1
        months = sorted({m for _, m in f.paid})
        if months and months[0] <= f.left_on < month_after(f.left_on) <= months[-1]:
            before_after += 1
        # The quotient familial counts the allocataire's N-2 income only.
        spouse_income = sum((r["amount"] for r in f.resources if r["person"] == "conjoint"
                             and r["scope"] == Resource.Scope.ANNUAL), ZERO)
        if spouse_income and f.dossier.family_quotient_month > f.left_on:
            assert f.n2(f.dossier.family_quotient_income_year, f.dossier.family_quotient_month) < \
                f.n2(f.dossier.family_quotient_income_year, month_of(f.left_on))
    assert before_after > 20 and raised > 20


def test_a_job_lost_or_found_changes_the_declarations_and_the_activity():
    changes = job_changes()
    lost = found = 0
    for f, member in changes:
        since = member["activity_since"]
        assert since.day == 1 and REF.replace(day=1) > since > add_months(REF.replace(day=1), -12)
        person = "allocataire" if member["relationship"] == FamilyMember.Relationship.ALLOCATAIRE else "conjoint"
        quarterly = [r for r in f.resources if r["scope"] == Resource.Scope.QUARTERLY and r["person"] == person
                     and r["kind"] != Resource.Kind.ALIMONY]
        after = {r["kind"] for r in quarterly if r["period_start"] >= since}
        before = {r["kind"] for r in quarterly if r["period_end"] < since}
        if member["activity"] == FamilyMember.Activity.JOBSEEKER:
            lost += 1
            assert member["france_travail_since"] and member["france_travail_since"] >= since
            assert Resource.Kind.SALARY not in after and (not before or Resource.Kind.SALARY in before)
        else:
            assert member["activity"] == FamilyMember.Activity.EMPLOYED
            found += 1
            assert not after or after == {Resource.Kind.SALARY}
            assert Resource.Kind.SALARY not in before
        assert any(letter["subject"] == CHANGE_LETTER and letter["sent_on"] > since for letter in f.letters) \
            or f.dossier.opened_on > since
    assert lost > 50 and found > 50


def test_a_job_change_moves_rsa_and_prime_d_activite():
    """The quarter declared after the change carries it: RSA or prime d'activité change with it (the
    amounts themselves are recomputed from the declarations by test_coherence)."""
    moved = ppa_after_job = rsa_closed = 0
    for f, member in job_changes():
        since = member["activity_since"]
        amounts = {b: [f.paid[(b, m)]["gross_amount"] for m in sorted(m for bb, m in f.paid if bb == b)]
                   for b in (Benefit.RSA, Benefit.PPA)}
        moved += any(len(set(a)) > 1 for a in amounts.values())
        if member["activity"] == FamilyMember.Activity.EMPLOYED:
            ppa_after_job += any(b == Benefit.PPA and m > since for b, m in f.paid)
            rsa = [r for r in f.rights if r["benefit"] == Benefit.RSA]
            rsa_closed += bool(rsa) and rsa[0]["status"] == Right.Status.CLOSED
    assert moved > 50 and ppa_after_job > 20


def test_events_load_and_show_in_the_famille_tab(db, login_as, t1_user, convention, tab_url):
    """Through the loader (both databases): the departure and the job change read back in the famille tab."""
    caf = convention.caf
    # Files 33 and 5 of the sweep's sequence: a separation, a job change (the sweep's own tests find them).
    built = built_files(caf=Caf(code="751"), seed=20260615, indexes=[33, 5], ref=REF, pools=Pools.build(7))
    picked = {"left": built[0], "job": built[1]}
    assert any(m.get("left_on") for m in built[0].rows(FamilyMember))
    assert any(m.get("activity_since") for m in built[1].rows(FamilyMember))
    files = [File(b) for b in picked.values()]
    wanted = {f.dossier.number for f in files}
    report = load_lines([header_line(), *file_lines(list(picked.values()), caf.code)], journal=False)
    assert report.created == 2 and not report.errors
    client = login_as(t1_user)
    for number in wanted:
        f = next(x for x in files if x.dossier.number == number)
        dossier = Dossier.objects.get(caf=caf, number=number)
        html = client.get(tab_url(dossier, "famille")).content.decode()
        if f.left_on:
            assert f"A quitté le foyer le {f.left_on:%d/%m/%Y} (séparation)" in html
            assert dossier.members.get(relationship="conjoint").left_on == f.left_on
        member = next((m for m in f.members if m.get("activity_since")), None)
        if member:
            assert f"depuis le {member['activity_since']:%d/%m/%Y}" in html


def test_a_version_1_extract_still_loads(db, convention):
    """portail-dossiers/1 has no `activity_since` nor `left_on`: they take their default (null)."""
    import json

    built = built_files(caf=Caf(code="751"), seed=20260615, indexes=[0], ref=REF, pools=Pools.build(7))
    [line] = list(file_lines(built, convention.caf.code))
    record = json.loads(line)
    for member in record["members"]:
        member.pop("activity_since"), member.pop("left_on")
    header = json.dumps({"format": "portail-dossiers/1", "extract": "complete"})
    report = load_lines([header, json.dumps(record, ensure_ascii=False)], journal=False)
    assert report.created == 1 and not report.errors
    assert not Dossier.objects.get(number=record["number"]).members.exclude(left_on=None).exists()
