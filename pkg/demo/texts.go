package demo

// Review text templates. A review is opener (with a product) + topic phrase +
// closer; "#" in an opener is replaced by the product.

const (
	topicDelivery = iota
	topicBattery
	topicScreen
	topicService
	topicPrice
	numTopics
)

// reviewLanguage holds one language's templates, indexed [sentiment] with
// 0 = negative, 1 = positive, and phrases [topic][sentiment].
type reviewLanguage struct {
	products []string
	openers  [2][]string
	closers  [2][]string
	phrases  [numTopics][2][]string
}

var english = reviewLanguage{
	products: []string{"phone", "tablet", "laptop", "headphones", "smartwatch", "speaker", "e-reader", "camera"},
	openers: [2][]string{
		{"Disappointed with this #.", "Not happy with my new #.", "Bought this # for work.", "Regret buying this #.", "Second # from this brand."},
		{"Really happy with this #.", "Great #.", "Love my new #.", "Bought this # for my son.", "Second # from this brand."},
	},
	closers: [2][]string{
		{"Returning it.", "One star.", "Avoid.", "Never again.", ""},
		{"Would buy again.", "Five stars.", "Highly recommended.", "No complaints.", ""},
	},
	phrases: [numTopics][2][]string{
		topicDelivery: {
			{"It showed up a week late.", "The box arrived crushed and half open.", "Tracking said delivered but nothing came for three days.", "The courier left it out in the rain."},
			{"It arrived two days earlier than promised.", "Delivery was quick and the box was in perfect shape.", "The courier was friendly and right on time.", "Shipping was fast, even over a holiday weekend."},
		},
		topicBattery: {
			{"The battery is empty before lunch.", "It barely holds a charge after a month.", "It gets hot while charging and drains overnight."},
			{"The battery easily lasts two full days.", "It charges in under an hour and lasts all day.", "Battery life is far better than my old one."},
		},
		topicScreen: {
			{"The screen scratched on the first day.", "The display flickers at low brightness.", "There are dead pixels in one corner of the screen."},
			{"The screen is bright and sharp, even outdoors.", "Colours on the display look fantastic.", "The display is crisp and easy on the eyes."},
		},
		topicService: {
			{"Support never answered my emails.", "I was on hold for an hour and got nowhere.", "They refused the return even though it was broken."},
			{"Support answered within minutes and fixed my issue.", "The replacement was sent without any hassle.", "Customer service was polite and genuinely helpful."},
		},
		topicPrice: {
			{"Way too expensive for what you get.", "Overpriced compared to similar models.", "The price dropped right after I ordered."},
			{"Great value for the price.", "Cheaper than the competition and just as good.", "Worth every penny."},
		},
	},
}

var spanish = reviewLanguage{
	products: []string{"móvil", "portátil", "altavoz", "reloj inteligente", "libro electrónico", "teclado"},
	openers: [2][]string{
		{"Decepcionado con este #.", "No estoy contento con mi nuevo #.", "Compré este # para el trabajo.", "Me arrepiento de comprar este #."},
		{"Muy contento con este #.", "Me encanta mi nuevo #.", "Compré este # para mi hijo.", "Un # estupendo."},
	},
	closers: [2][]string{
		{"Lo devuelvo.", "Una estrella.", "No lo recomiendo.", ""},
		{"Lo volvería a comprar.", "Cinco estrellas.", "Muy recomendable.", ""},
	},
	phrases: [numTopics][2][]string{
		topicDelivery: {
			{"Llegó con una semana de retraso.", "La caja llegó aplastada y medio abierta.", "El seguimiento decía entregado pero no llegó nada."},
			{"Llegó dos días antes de lo previsto.", "El envío fue rapidísimo y la caja llegó perfecta.", "El repartidor fue muy amable y puntual."},
		},
		topicBattery: {
			{"La batería se agota antes del mediodía.", "Apenas aguanta la carga después de un mes."},
			{"La batería dura dos días sin problema.", "Carga en menos de una hora y aguanta todo el día."},
		},
		topicScreen: {
			{"La pantalla se rayó el primer día.", "La pantalla parpadea con poco brillo."},
			{"La pantalla se ve nítida incluso al sol.", "Los colores de la pantalla son preciosos."},
		},
		topicService: {
			{"Nunca contestaron a mis correos.", "Estuve una hora en espera y nadie me ayudó."},
			{"El servicio técnico me respondió en minutos.", "Me enviaron el recambio sin ningún problema."},
		},
		topicPrice: {
			{"Demasiado caro para lo que ofrece.", "Bajaron el precio justo después de mi pedido."},
			{"Muy buena relación calidad-precio.", "Vale cada euro que cuesta."},
		},
	},
}

// appendReview composes one review from uniform draws u (at least 4 of them).
func (l *reviewLanguage) appendReview(dst []byte, topic, positive int, u [4]float64) []byte {
	opener := l.openers[positive][int(u[0]*float64(len(l.openers[positive])))]
	product := l.products[int(u[1]*float64(len(l.products)))]
	for i := 0; i < len(opener); i++ {
		if opener[i] == '#' {
			dst = append(dst, product...)
		} else {
			dst = append(dst, opener[i])
		}
	}
	phrases := l.phrases[topic][positive]
	dst = append(dst, ' ')
	dst = append(dst, phrases[int(u[2]*float64(len(phrases)))]...)
	if closer := l.closers[positive][int(u[3]*float64(len(l.closers[positive])))]; closer != "" {
		dst = append(dst, ' ')
		dst = append(dst, closer...)
	}
	return dst
}
