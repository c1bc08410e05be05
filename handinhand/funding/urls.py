from django.urls import path

from handinhand.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.summary, name="summary"),
    path("summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("expenses/", views.expense_list, name="expense_list"),
    path("expenses/template.xlsx", views.expense_template, name="expense_template"),
    path("expenses/<int:pk>/", views.expense_edit, name="expense_edit"),
    path("expenses/<int:pk>/correct/", views.expense_correct, name="expense_correct"),
    path("expenses/<int:pk>/receipt/", views.expense_receipt, name="expense_receipt"),
    path("universities/<int:pk>/", views.university, name="university"),
    path("universities/<int:pk>/allocation/", views.allocation_calc, name="allocation_calc"),
    path("universities/<int:pk>/disburse/", views.disbursement_create, name="disbursement_create"),
    path("universities/<int:pk>/expenses/new/", views.expense_create, name="expense_create"),
    path("universities/<int:pk>/expenses/import/", views.expense_import, name="expense_import"),
    path("universities/<int:pk>/close/", views.month_close, name="month_close"),
    path("universities/<int:pk>/ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation_detail"),
    path(
        "disbursements/<int:pk>/correct/", views.disbursement_correct, name="disbursement_correct"
    ),
    path(
        "disbursements/<int:pk>/attachment/",
        views.disbursement_attachment,
        name="disbursement_attachment",
    ),
]
