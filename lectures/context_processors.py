from lectures.views import ELDERLY_COOKIE


def elderly_mode(request):
    return {"elderly_mode": request.COOKIES.get(ELDERLY_COOKIE) == "1"}
