// Trigger functions for the end-to-end tests, written as Node.js Lambda
// handlers (see @types/aws-lambda): serve them with lambda-endpoint.js.
// Each named export is a function of that name.

// A CUSTOM_AUTH quiz: ROUNDS questions "what is N+1?" (clientMetadata
// rounds, default 1); SRP_A first asks for the password; three wrong
// answers fail.
export async function DefineAuthChallenge(event) {
  const session = event.request.session || [];
  const rounds = Number(event.request.clientMetadata?.rounds || process.env.QUIZ_ROUNDS || 1);
  const custom = session.filter((s) => s.challengeName === 'CUSTOM_CHALLENGE');
  const last = session[session.length - 1];
  event.response = { challengeName: null, issueTokens: false, failAuthentication: false };
  if (last?.challengeName === 'SRP_A') {
    event.response.challengeName = 'PASSWORD_VERIFIER';
  } else if (last?.challengeName === 'PASSWORD_VERIFIER' && !last.challengeResult) {
    event.response.failAuthentication = true;
  } else if (custom.filter((s) => !s.challengeResult).length >= 3) {
    event.response.failAuthentication = true;
  } else if (custom.filter((s) => s.challengeResult).length >= rounds) {
    event.response.issueTokens = true;
  } else {
    event.response.challengeName = 'CUSTOM_CHALLENGE';
  }
  return event;
}

export async function CreateAuthChallenge(event) {
  const n = (event.request.session || []).length;
  event.response.publicChallengeParameters = { question: `what is ${n}+1?` };
  event.response.privateChallengeParameters = { answer: String(n + 1) };
  event.response.challengeMetadata = `QUESTION-${n}`;
  return event;
}

export async function VerifyAuthChallengeResponse(event) {
  event.response.answerCorrect = event.request.challengeAnswer === event.request.privateChallengeParameters.answer;
  return event;
}

// A V2_0 pre-token function adding one claim to each token.
export async function PreTokenGeneration(event) {
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme' } },
      accessTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme', tier: 3 } },
    },
  };
  return event;
}

// A function that always fails, for the error path.
export async function Fail() {
  throw new Error('rejected by the test function');
}
