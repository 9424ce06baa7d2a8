"""Pets API: thin views over pets.services and pets.selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.api.views import current_user
from config.errors import error_responses
from pets import selectors, services
from pets.api import serializers as io

NO_SUCH_PET = (404, "not_found: no such active pet.")
# Another owner's pet is answered as if it did not exist.
NO_SUCH_PET_OF_YOURS = (404, "not_found: no such active pet of yours.")


class PetListCreateApi(APIView):
    @extend_schema(
        operation_id="v1_pets_list",
        parameters=[io.PetListQuery],
        responses={200: io.PetListOutput, **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        query = io.PetListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit: int = query.validated_data["limit"]
        owned = selectors.pet_list_owned(
            owner=current_user(request), before=query.validated_data.get("before")
        )
        # One pet more than the page tells whether there is a next page, without a COUNT.
        pets = list(owned[: limit + 1])
        next_url = None
        if len(pets) > limit:
            pets = pets[:limit]
            next_url = replace_query_param(request.build_absolute_uri(), "before", pets[-1].pk)
        return Response(io.PetListOutput({"results": pets, "next": next_url}).data)

    @extend_schema(request=io.PetInput, responses={201: io.PetOutput, **error_responses(400, 401)})
    def post(self, request: Request) -> Response:
        payload = io.PetInput(data=request.data)
        payload.is_valid(raise_exception=True)
        pet = services.pet_create(owner=current_user(request), **payload.validated_data)
        return Response(io.PetOutput(pet).data, status=status.HTTP_201_CREATED)


class PetDetailApi(APIView):
    @extend_schema(responses={200: io.PetOutput, **error_responses(401, NO_SUCH_PET)})
    def get(self, request: Request, pet_id: int) -> Response:
        return Response(io.PetOutput(selectors.pet_get_public(pet_id=pet_id)).data)

    @extend_schema(
        request=io.PetInput(partial=True),
        responses={200: io.PetOutput, **error_responses(400, 401, NO_SUCH_PET_OF_YOURS)},
    )
    def patch(self, request: Request, pet_id: int) -> Response:
        pet = selectors.pet_get_owned(owner=current_user(request), pet_id=pet_id)
        payload = io.PetInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        pet = services.pet_update(pet=pet, **payload.validated_data)
        return Response(io.PetOutput(pet).data)

    @extend_schema(responses={204: None, **error_responses(401, NO_SUCH_PET_OF_YOURS)})
    def delete(self, request: Request, pet_id: int) -> Response:
        pet = selectors.pet_get_owned(owner=current_user(request), pet_id=pet_id)
        services.pet_deactivate(pet=pet)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PetPreferencesApi(APIView):
    @extend_schema(responses={200: io.PreferencesIO, **error_responses(401, NO_SUCH_PET_OF_YOURS)})
    def get(self, request: Request, pet_id: int) -> Response:
        preferences = selectors.preferences_get_owned(owner=current_user(request), pet_id=pet_id)
        return Response(io.PreferencesIO(preferences).data)

    @extend_schema(
        request=io.PreferencesIO,
        responses={200: io.PreferencesIO, **error_responses(400, 401, NO_SUCH_PET_OF_YOURS)},
    )
    def put(self, request: Request, pet_id: int) -> Response:
        pet = selectors.pet_get_owned(owner=current_user(request), pet_id=pet_id)
        payload = io.PreferencesIO(data=request.data)
        payload.is_valid(raise_exception=True)
        preferences = services.preferences_replace(pet=pet, **payload.validated_data)
        return Response(io.PreferencesIO(preferences).data)
