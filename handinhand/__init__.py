# Lets Django's generic classes be subscripted at run time (`forms.ModelChoiceField[Region]`,
# `forms.ModelForm[Finding]`) as django-stubs types them. django-tasks applies the same patch on
# import; doing it here does not depend on which app happens to load first.
import django_stubs_ext

django_stubs_ext.monkeypatch()
