from django.test import RequestFactory

from handinhand.core.request_context import client_ip


def test_remote_addr_without_a_proxy(settings):
    settings.TRUST_X_FORWARDED_FOR = False
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="8.8.8.8", REMOTE_ADDR="10.1.2.3")
    assert client_ip(request) == "10.1.2.3"


def test_behind_the_proxy_the_right_most_hop_counts(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="8.8.8.8, 172.16.5.9", REMOTE_ADDR="10.0.0.1"
    )
    assert client_ip(request) == "172.16.5.9"


def test_garbage_falls_back_to_remote_addr(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="<script>, not-an-ip", REMOTE_ADDR="10.0.0.1"
    )
    assert client_ip(request) == "10.0.0.1"
    request = RequestFactory().get("/", REMOTE_ADDR="bogus")
    assert client_ip(request) is None
