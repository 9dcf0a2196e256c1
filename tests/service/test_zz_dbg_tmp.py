from tests.service.test_matches_api import _busy_vacancies, _matches, api, fitted  # noqa
def test_dbg(api, fitted):
    for vacancy_id, whole in _busy_vacancies(api, fitted)[:3]:
        owner = fitted.vacancies[vacancy_id].tenant_id
        own = _matches(api, f"/vacancies/{vacancy_id}/matches", api.platform[owner])
        exp = [i for i in whole["items"] if fitted.candidates[i["candidate_id"]].tenant_id == owner]
        print([ (i["candidate_id"], round(i["score"],6)) for i in own["items"]])
        print([ (i["candidate_id"], round(i["score"],6)) for i in exp])
        a=own["items"][0]; b=[e for e in exp if e["candidate_id"]==a["candidate_id"]]
        if b: print({k:(a["components"][k], b[0]["components"][k]) for k in a["components"] if a["components"][k]!=b[0]["components"][k]})
    assert 0
