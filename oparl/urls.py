"""OParl 1.1 open-data API (https://oparl.org/spezifikation/): published data only."""

app_name = "oparl"

urlpatterns = []
