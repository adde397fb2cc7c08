package cognitoidp

//go:generate go run ../../tools/apigen -model ../../api/cognito-idp-2016-04-18.json -out .
