import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { setAccess } from "../../api/http";
import { accessToken, apiError, deferred, fakeApi, ok, user, type Answer } from "../../test/fakeApi";
import { describedBy } from "../../test/queries";
import { AuthProvider } from "./AuthContext";
import { SignupPage } from "./SignupPage";

function renderSignup() {
  return render(
    <AuthProvider>
      <MemoryRouter initialEntries={["/signup"]}>
        <Routes>
          <Route path="/signup" element={<SignupPage />} />
          <Route path="/profile" element={<p>Profile screen</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

async function signUp(email: string, username: string, password: string) {
  const person = userEvent.setup({ delay: null });
  await person.type(screen.getByLabelText("Email"), email);
  await person.type(screen.getByLabelText("Your name"), username);
  await person.type(screen.getByLabelText("Password"), password);
  await person.click(screen.getByRole("button", { name: "Create account" }));
}

describe("SignupPage", () => {
  afterEach(() => {
    setAccess(null);
  });

  it("shows the hints until the server finds something wrong", () => {
    fakeApi();
    renderSignup();

    expect(describedBy(screen.getByLabelText("Your name"))).toBe("Shown to other owners.");
    expect(describedBy(screen.getByLabelText("Password"))).toBe("At least 8 characters, not a common password.");
    expect(describedBy(screen.getByLabelText("Email"))).toBeNull();
  });

  it("puts every message of a 400 next to its own field, in place of the hint", async () => {
    fakeApi({
      "POST /api/v1/auth/browser/register": apiError(400, "validation_error",
        "Some fields are invalid: email, password, username.", {
          email: ["An account with this email already exists."],
          username: ["Ensure this field has at least 2 characters."],
          password: ["This password is too short. It must contain at least 8 characters.", "This password is too common."],
        }),
    });
    renderSignup();

    await signUp("maya@example.com", "m", "pass");

    const password = screen.getByLabelText("Password");
    expect(await screen.findByText("This password is too common.")).toBeTruthy();
    expect(describedBy(screen.getByLabelText("Email"))).toBe("An account with this email already exists.");
    expect(describedBy(screen.getByLabelText("Your name"))).toBe("Ensure this field has at least 2 characters.");
    const errors = document.getElementById(password.getAttribute("aria-describedby") ?? "");
    expect(errors?.getAttribute("role")).toBe("alert");
    expect([...(errors?.querySelectorAll("li") ?? [])].map((item) => item.textContent)).toEqual([
      "This password is too short. It must contain at least 8 characters.",
      "This password is too common.",
    ]);
    expect(screen.queryByText("Shown to other owners.")).toBeNull();
    expect(screen.queryByText("At least 8 characters, not a common password.")).toBeNull();
    expect(screen.queryByText("Some fields are invalid: email, password, username.")).toBeNull();
  });

  it("sends the form, is busy meanwhile, then goes on to the profile", async () => {
    const answer = deferred<Answer>();
    const me = user({ location: "", latitude: null, longitude: null, metro: "" });
    const api = fakeApi({ "POST /api/v1/auth/browser/register": () => answer.promise });
    renderSignup();

    await signUp("maya@example.com", "maya", "Paws-Play-Demo-2468");

    expect(screen.getByRole("button", { name: "Creating your account…" })).toHaveProperty("disabled", true);
    expect(api.calls.map((call) => [call.method, call.path, call.body])).toEqual([
      ["POST", "/api/v1/auth/browser/register", { email: "maya@example.com", username: "maya", password: "Paws-Play-Demo-2468" }],
    ]);

    answer.resolve(ok({ access: accessToken(me.id), user: me }, 201));

    expect(await screen.findByText("Profile screen")).toBeTruthy();
  });

  it("shows a refusal without fields for the whole form", async () => {
    fakeApi({
      "POST /api/v1/auth/browser/register": apiError(429, "rate_limited", "Too many requests. Try again in 1 second.",
        undefined, { "Retry-After": "1" }),
    });
    renderSignup();

    await signUp("maya@example.com", "maya", "Paws-Play-Demo-2468");

    expect((await screen.findByRole("alert")).textContent).toBe("Too many requests. Try again in 1 second.");
    expect(screen.getByRole("button", { name: "Create account" })).toHaveProperty("disabled", false);
  });
});
